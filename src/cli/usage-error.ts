/** A mistake on the command line or in the environment: one line for the user, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A mistake in the config file (`--config`): one line naming the file and the key, exit code 2. */
export class ConfigError extends UsageError {
  override name = "ConfigError";
}

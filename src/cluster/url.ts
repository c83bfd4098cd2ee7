import * as v from "valibot";

/**
 * A Redis URL as `--redis` takes it: `redis://[[user]:password@]host[:port][/db]`.
 * The password is part of the value but never of anything d-back prints.
 */
export const RedisUrl = v.pipe(
  v.string(),
  v.check((url) => URL.canParse(url) && new URL(url).protocol === "redis:", "must be a redis:// URL"),
  v.check((url) => /^\/?\d{0,2}$/.test(new URL(url).pathname), "must name the database as a number, e.g. redis://host:6379/0"),
  v.check((url) => new URL(url).hostname !== "", "must name a host"),
);

/** The URL with any password replaced by `***`, for logs and /health. */
export function redactRedisUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}

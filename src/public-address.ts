/** Where the public port listens: `ServerOptions.port` and `host`, or their defaults (the command line's are the same). */
export const publicAddress = (options: { port?: number; host?: string }): { port: number; hostname: string } => ({
  port: options.port ?? 3000,
  hostname: options.host ?? "127.0.0.1",
});

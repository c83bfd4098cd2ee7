import { startCli, type Running } from "./cli.ts";
import { TOKEN } from "./ingest.ts";

/** /health of a running instance, parsed. */
export async function health(instance: Pick<Running, "url">): Promise<Record<string, any>> {
  const response = await fetch(`${instance.url}/health`);
  return await response.json();
}

/** Waits until the instance says its State holds the shared world. */
export function synced(instance: Pick<Running, "url">, what = instance.url): Promise<void> {
  return waitFor(async () => (await health(instance)).cluster?.ready === true, `${what} to sync with the cluster`);
}

/** Polls an async check until it holds; the deadline only turns a hang into a clear failure. */
export async function waitFor(check: () => Promise<boolean>, what: string, timeout = 20_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`still waiting, after ${timeout} ms, for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `n` d-back processes on this runtime sharing the world in `redisUrl`, each with the ingest API on, all synced. */
export async function startInstances(n: number, redisUrl: string, args: string[] = []): Promise<Running[]> {
  const instances = await Promise.all(
    Array.from({ length: n }, () => startCli(args, { DBACK_REDIS_URL: redisUrl, DBACK_INGEST_TOKEN: TOKEN })),
  );
  await Promise.all(instances.map((instance) => synced(instance)));
  return instances;
}

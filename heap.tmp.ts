import { heapStats } from "bun:jsc";
import { createServer, createLogger } from "./src/mod.ts";
import { Crowd } from "./bench/crowd.ts";
import { putGuild, SHORT_ID, TOKEN } from "./bench/fixture.ts";
const server = await (await createServer({ port: 0, host: "127.0.0.1", logger: createLogger("warn"), ingest: { token: TOKEN }, limits: { maxConnections: 0, maxConnectionsPerAddress: 0 }, staticDir: "/tmp/perf/site" })).start();
await putGuild(server.url, 100);
const warm = await Crowd.spawn(50, 1, { url: `ws://127.0.0.1:${server.port}/`, server: SHORT_ID, expect: 0, warm: 0, concurrency: 50 });
await warm.join(); await warm.exit();
await new Promise((r) => setTimeout(r, 500));
// @ts-ignore
Bun.gc(true);
const a = heapStats();
const N = 5000;
const crowd = await Crowd.spawn(N, 2, { url: `ws://127.0.0.1:${server.port}/`, server: SHORT_ID, expect: 0, warm: 0, concurrency: 200 });
const r0 = process.memoryUsage().rss;
await crowd.join();
await new Promise((r) => setTimeout(r, 2000));
const r1 = process.memoryUsage().rss;
const h1 = heapStats();
console.log("rss per viewer before gc", ((r1 - r0) / N).toFixed(0), "heap cap", ((h1.heapCapacity - a.heapCapacity)/N).toFixed(0), "heap size", ((h1.heapSize - a.heapSize)/N).toFixed(0));
// @ts-ignore
Bun.gc(true);
const b = heapStats();
console.log("rss per viewer after gc", ((process.memoryUsage().rss - r0) / N).toFixed(0), "heap cap", ((b.heapCapacity - a.heapCapacity)/N).toFixed(0));
console.log("heap per viewer", ((b.heapSize - a.heapSize) / N).toFixed(0), "objects per viewer", ((b.objectCount - a.objectCount) / N).toFixed(1));
const diff = Object.entries(b.objectTypeCounts).map(([k, v]) => [k, (v as number) - ((a.objectTypeCounts as any)[k] ?? 0)] as [string, number]).filter(([, d]) => d >= N / 2).sort((x, y) => y[1] - x[1]);
for (const [k, d] of diff) console.log(k, (d / N).toFixed(2));
await crowd.exit(); await server.stop(); process.exit(0);

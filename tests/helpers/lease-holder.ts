/**
 * A stand-in for the Discord gateway, run as its own process by
 * tests/lease.test.ts: joins the cluster in LEASE_REDIS_URL as LEASE_HOLDER
 * and, while it holds the "gateway" lease, writes a message with its fencing
 * token into guild 777 every 20 ms, through the fenced writes the lease gives
 * it. With LEASE_DEAF=1 the task ignores being told to stop, as a stuck
 * holder would: then only fencing keeps its writes out.
 */
import process from "node:process";
import { State } from "../../src/state/state.ts";
import { Cluster } from "../../src/cluster/cluster.ts";
import { createLogger } from "../../src/log.ts";

const env = process.env;
const holder = env.LEASE_HOLDER!;
const log = createLogger("info");
const state = new State({ broadcast() {}, removed() {} });
const timings = env.LEASE_TTL_MS
  ? { ttlMs: Number(env.LEASE_TTL_MS), renewMs: Number(env.LEASE_RENEW_MS), tryMs: Number(env.LEASE_TRY_MS) }
  : undefined;
const cluster = new Cluster({ url: env.LEASE_REDIS_URL!, state, log, id: holder, leaseTimings: timings });
cluster.start();
while (!cluster.ready()) await new Promise((resolve) => setTimeout(resolve, 20));
if (!state.get("777")) {
  cluster.bus.putGuild({ guildId: "777", id: "lease", name: "lease", default: false, passworded: false }, {});
  await cluster.bus.committed();
}
while (!state.get("777")) await new Promise((resolve) => setTimeout(resolve, 20));

cluster.whileLeader("gateway", (writes, held) => {
  console.log(`leading ${held.token}`);
  const timer = setInterval(() => writes.message("777", { uid: "1", channel: "1", message: `${holder}:${held.token}` }), 20);
  return () => {
    console.log(`told to stop ${held.token}`);
    if (env.LEASE_DEAF !== "1") clearInterval(timer);
  };
});
console.log("started");
process.on("SIGTERM", () => cluster.close().then(() => process.exit(0)));

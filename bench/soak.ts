/**
 * Soak: thousands of viewers joining and leaving in churn for a set time
 * while the mock world's events flow, against a d-back server in its own
 * process. Prints the server's memory (RSS) over the run and what is left
 * in the hub once everyone has gone, which must be nothing.
 *
 *   bun bench/soak.ts [--seconds 60] [--viewers 2000] [--event-ms 250]
 *   deno run -A bench/soak.ts [--seconds 60] [--viewers 2000] [--event-ms 250]
 *
 * The load clients run in this process, on the same machine: keep the event
 * rate within what they can read (a client that falls behind stops answering
 * pings and is rightly dropped by the server, which this would count as a
 * failure).
 *
 * Exits 1 when anything is left behind, a viewer was refused or closed
 * unexpectedly, or the server did not stop cleanly.
 */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import process from "node:process";

const { values: args } = parseArgs({
  args: process.argv.slice(2),
  options: {
    seconds: { type: "string", default: "60" },
    viewers: { type: "string", default: "2000" },
    "event-ms": { type: "string", default: "250" },
    serve: { type: "boolean", default: false },
  },
});

/** The server side: d-back with a busy mock world and no per-address limit (every load client is 127.0.0.1). */
async function serve(eventMs: number): Promise<void> {
  const { createServer, createLogger } = await import("../src/mod.ts");
  const server = await createServer({
    port: 0,
    host: "127.0.0.1",
    mock: { presenceMs: eventMs, messageMs: eventMs },
    limits: { maxConnections: 0, maxConnectionsPerAddress: 0 },
    logger: createLogger("warn"),
  });
  await server.start();
  console.log(JSON.stringify({ url: server.url }));
  const stop = () => server.stop().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // Never outlive the soak that started this: its end of stdin closes when it exits, however it exits.
  process.stdin.on("close", stop);
  process.stdin.resume();
}

interface Health {
  rss: number;
  heap: number;
  viewers: number;
  joined: number;
  watched: number;
  feeds: number;
  connections: number;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function soak(seconds: number, target: number, eventMs: string): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const runtime = "Deno" in globalThis ? "deno" : "bun";
  const serveArgs = [self, "--serve", "--event-ms", eventMs];
  const argv = runtime === "deno" ? ["run", "-A", ...serveArgs] : serveArgs;
  const child = spawn(process.execPath, argv, { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (line) resolve(JSON.parse(line).url);
    });
    exited.then((code) => reject(new Error(`the server exited with ${code} before listening`)));
  });
  const health = async (): Promise<Health> => (await fetch(url + "/health")).json();
  const ws = url.replace("http", "ws");

  console.log(
    `soak on ${runtime}: ${target} viewers in churn for ${seconds} s against ${url} (server pid ${child.pid}); ` +
      `each guild changes a status and says something every ${eventMs} ms`,
  );
  const start = await health();
  console.log(`server RSS at start: ${mb(start.rss)}`);

  const tally = { sessions: 0, joins: 0, events: 0, refused: 0, unexpected: 0 };
  const unexpected = new Map<string, number>();
  const note = (what: string) => {
    tally.unexpected++;
    unexpected.set(what, (unexpected.get(what) ?? 0) + 1);
  };
  const deadline = Date.now() + seconds * 1000;
  const samples: { t: number; h: Health }[] = [];
  const sampler = setInterval(async () => {
    const h = await health();
    samples.push({ t: Math.round((Date.now() - (deadline - seconds * 1000)) / 1000), h });
    console.log(
      `  t=${samples.at(-1)!.t}s rss=${mb(h.rss)} heap=${mb(h.heap)} viewers=${h.viewers} joined=${h.joined} watched=${h.watched} ` +
        `sessions=${tally.sessions} joins=${tally.joins} events=${tally.events}`,
    );
  }, 5000);

  /** One viewer's life, over and over until the deadline: connect, join, watch a while, maybe switch, leave. */
  const servers = ["dworld", "docs", "repos", "oauth", null];
  async function viewerLoop(): Promise<void> {
    while (Date.now() < deadline) {
      await session().catch(() => tally.refused++);
      tally.sessions++;
    }
  }
  function session(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(ws);
      const stay = 100 + Math.random() * 2900;
      let switched = Math.random() < 0.3;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let leaving = false;
      const connect = () => {
        const server = servers[Math.floor(Math.random() * servers.length)];
        socket.send(JSON.stringify({
          type: "connect",
          data: server === "oauth" ? { server, discordToken: "soak", discordUser: { id: "1", username: "soak" } } : { server },
        }));
      };
      socket.onerror = () => reject(new Error("refused"));
      socket.onmessage = (event) => {
        const head = String(event.data).slice(0, 24);
        if (head.includes('"server-list"')) connect();
        else if (head.includes('"server-join"')) {
          tally.joins++;
          timer ??= setTimeout(() => {
            leaving = true;
            socket.close(1000);
          }, stay);
          if (!switched) {
            switched = true;
            setTimeout(connect, stay / 2);
          }
        } else if (head.includes('"error"')) note(String(event.data).slice(0, 120));
        else tally.events++;
      };
      socket.onclose = (event) => {
        clearTimeout(timer);
        // Our own close comes back as 1000, or as 1005 when the server's answer carries no code.
        if (!leaving || (event.code !== 1000 && event.code !== 1005)) note(`close ${event.code} ${event.reason}`);
        resolve();
      };
    });
  }

  await Promise.all(Array.from({ length: target }, async (_, i) => {
    await sleep((i / target) * 2000); // ramp up over two seconds
    await viewerLoop();
  }));
  clearInterval(sampler);
  const end = await health();

  // Everyone has left: the hub, the feeds and the connection counts must drain to zero.
  let left = end;
  for (let i = 0; i < 100 && (left.viewers || left.joined || left.watched || left.feeds || left.connections); i++) {
    await sleep(100);
    left = await health();
  }
  process.kill(child.pid!, "SIGTERM");
  const code = await exited;

  const warm = samples.find((s) => s.t >= Math.min(10, seconds / 4))?.h ?? start;
  console.log(`
sessions ${tally.sessions}, joins ${tally.joins}, events received ${tally.events}, refused ${tally.refused}, unexpected closes or errors ${tally.unexpected}
server RSS: start ${mb(start.rss)}, warm (t≈${samples.find((s) => s.h === warm)?.t ?? 0}s) ${mb(warm.rss)}, peak ${
    mb(Math.max(start.rss, ...samples.map((s) => s.h.rss)))
  }, end of churn ${mb(end.rss)}, after all left ${mb(left.rss)}
left after all viewers left: viewers ${left.viewers}, hub entries ${left.joined}, watched guilds ${left.watched}, running feeds ${left.feeds}, connections ${left.connections}
server exit code after SIGTERM: ${code}`);
  for (const [what, n] of unexpected) console.log(`  unexpected: ${n} × ${what}`);
  const clean = !left.viewers && !left.joined && !left.watched && !left.feeds && !left.connections;
  const ok = clean && code === 0 && tally.refused === 0 && tally.unexpected === 0;
  console.log(ok ? "soak: ok" : "soak: FAILED");
  process.exit(ok ? 0 : 1);
}

if (args.serve) await serve(Number(args["event-ms"]));
else await soak(Number(args.seconds), Number(args.viewers), args["event-ms"]);

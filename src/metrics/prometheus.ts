import { Buffer } from "node:buffer";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Meter } from "./meter.ts";
import type { Figures } from "./figures.ts";

/** Hand-off times are microseconds when all is well; the top buckets catch a stalled loop. */
const handoffBuckets = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1];

/**
 * The `Meter` as Prometheus metrics (prom-client, without its default
 * process metrics, which need a `monitorEventLoopDelay` not every runtime has): counters the core increments,
 * and gauges read from `Figures` when scraped. Every name starts `dback_`.
 */
export class PrometheusMeter implements Meter {
  readonly registry = new Registry();
  #figures: Figures | undefined;
  #read: () => Figures = () => {
    throw new Error("d-back metrics: no figures to read yet");
  };

  readonly events = this.#counter("dback_events_total", "Events from data sources applied to a known guild, by source and type", ["source", "type"]);
  readonly handoff = new Histogram({
    name: "dback_event_handoff_seconds",
    help: "Time from an event entering d-back to its frame handed to every viewer's socket",
    buckets: handoffBuckets,
    registers: [this.registry],
  });
  readonly frames = this.#counter("dback_frames_sent_total", "Frames handed to viewer sockets (each broadcast counts once per viewer)");
  readonly bytes = this.#counter("dback_sent_bytes_total", "Bytes of the frames handed to viewer sockets");
  readonly refusals = this.#counter("dback_upgrades_refused_total", "WebSocket upgrades turned away, by reason", ["reason"]);
  readonly closes = this.#counter("dback_viewer_closes_total", "Viewer sockets closed, by close code (1013: too slow, evicted)", ["code"]);
  readonly signIns = this.#counter("dback_sign_ins_total", "Sign-ins to passworded guilds, by result", ["result"]);
  readonly ingests = this.#counter("dback_ingest_requests_total", "Ingest API requests, by HTTP status", ["status"]);

  constructor(labels: { version: string; runtime: string }) {
    const info = this.#gauge("dback_info", "Always 1; the labels say which d-back this is", ["version", "runtime"]);
    info.set(labels, 1);
    this.#gauge("dback_viewers", "Open viewer connections", [], (g, f) => g.set(f.viewers));
    this.#gauge("dback_max_viewers", "Viewer connections allowed in all (0: no limit)", [], (g, f) => g.set(f.maxViewers));
    this.#gauge("dback_ready", "1 while /ready answers 200", [], (g, f) => g.set(f.ready ? 1 : 0));
    this.#gauge("dback_guilds", "Guilds the data source offers", [], (g, f) => g.set(f.guilds));
    this.#gauge("dback_guilds_watched", "Guilds with at least one viewer", [], (g, f) => g.set(f.watched.length));
    this.#gauge("dback_guild_viewers", "Viewers of each watched guild", ["guild"], (g, f) => {
      for (const w of f.watched) g.set({ guild: w.guildId }, w.viewers);
    });
    this.#gauge("dback_source_ready", "1 when the data source has what viewers should see", ["source"], (g, f) => {
      for (const s of f.sources) g.set({ source: s.name }, s.ready ? 1 : 0);
    });
    this.#gauge("dback_source_status", "Figures a data source reports about itself (true is 1), by field", ["source", "field"], (g, f) => {
      for (const s of f.sources) {
        for (const [field, value] of Object.entries(s.status)) {
          if (typeof value === "number" || typeof value === "boolean") g.set({ source: s.name, field }, Number(value));
        }
      }
    });
    this.#gauge("dback_process_resident_memory_bytes", "Resident set size", [], (g, f) => g.set(f.memory.rss));
    this.#gauge("dback_process_heap_used_bytes", "JavaScript heap in use", [], (g, f) => g.set(f.memory.heapUsed));
    this.#gauge("dback_process_heap_total_bytes", "JavaScript heap reserved", [], (g, f) => g.set(f.memory.heapTotal));
    this.#gauge("dback_event_loop_lag_seconds", "The longest the event loop ran late since the last scrape", [], (g, f) => g.set(f.eventLoopLag));
    this.#gauge("dback_uptime_seconds", "Seconds since the server started", [], (g, f) => g.set(f.uptimeSeconds));
  }

  /** Where the gauges read from; set once the server runs. */
  readFrom(figures: () => Figures): void {
    this.#read = figures;
  }

  /** The exposition text; the figures are read once for all gauges. */
  async text(): Promise<string> {
    this.#figures = this.#read();
    try {
      return await this.registry.metrics();
    } finally {
      this.#figures = undefined;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  // ── Meter ────────────────────────────────────────────────────────────────

  event(source: string, type: string, apply: () => boolean): boolean {
    const start = performance.now();
    const applied = apply();
    if (applied) {
      this.handoff.observe((performance.now() - start) / 1000);
      this.events.inc({ source, type });
    }
    return applied;
  }

  delivered(viewers: number, frame: string): void {
    if (viewers === 0) return;
    this.frames.inc(viewers);
    this.bytes.inc(viewers * Buffer.byteLength(frame));
  }

  refused(reason: string): void {
    this.refusals.inc({ reason });
  }

  closed(code: number): void {
    this.closes.inc({ code: String(code) });
  }

  signIn(result: string): void {
    this.signIns.inc({ result });
  }

  ingest(status: number): void {
    this.ingests.inc({ status: String(status) });
  }

  #counter<L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  #gauge<L extends string>(name: string, help: string, labelNames: L[], fill?: (gauge: Gauge<L>, figures: Figures) => void): Gauge<L> {
    const figures = () => this.#figures;
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        const f = figures();
        if (!fill || !f) return;
        this.reset();
        fill(this, f);
      },
    });
  }
}

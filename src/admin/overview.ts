import type { Counter } from "prom-client";
import type { Figures } from "../metrics/figures.ts";
import type { PrometheusMeter } from "../metrics/prometheus.ts";
import type { Limits } from "../limits.ts";
import type { LogEntry } from "./recent-log.ts";

/** What the operator page polls: the figures of now, every counter's total, the limits, recent warnings. */
export interface Overview extends Figures {
  version: string;
  runtime: string;
  limits: Limits;
  /** Totals since start; the page turns successive readings into rates. */
  events: { source: string; type: string; total: number }[];
  frames: number;
  bytes: number;
  refused: Record<string, number>;
  closes: Record<string, number>;
  signIns: Record<string, number>;
  ingest: Record<string, number>;
  recent: readonly LogEntry[];
}

/** A counter's totals keyed by its one label. */
async function byLabel(counter: Counter<string>, label: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { labels, value } of (await counter.get()).values) out[String(labels[label])] = value;
  return out;
}

const total = async (counter: Counter<string>) => (await counter.get()).values.reduce((sum, v) => sum + v.value, 0);

export async function overview(
  meter: PrometheusMeter,
  figures: Figures,
  about: { version: string; runtime: string; limits: Limits; recent: readonly LogEntry[] },
): Promise<Overview> {
  return {
    ...about,
    ...figures,
    events: (await meter.events.get()).values.map(({ labels, value }) => ({
      source: String(labels.source),
      type: String(labels.type),
      total: value,
    })),
    frames: await total(meter.frames),
    bytes: await total(meter.bytes),
    refused: await byLabel(meter.refusals, "reason"),
    closes: await byLabel(meter.closes, "code"),
    signIns: await byLabel(meter.signIns, "result"),
    ingest: await byLabel(meter.ingests, "status"),
  };
}

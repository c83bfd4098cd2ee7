/**
 * Viewers spread over several load processes, driven together: spawn, `go`
 * at once, collect each process's reports and add them up.
 */
import { LoadProc, type Report } from "./proc.ts";
import type { ViewersConfig } from "./load/viewers.ts";
import { type Histogram, merge } from "./stats.ts";

export interface Joined {
  /** From the first process's `go` to the last `server-join` anywhere, ms. */
  ms: number;
  joined: number;
  failed: number;
  /** Size of a `server-join` frame, bytes. */
  joinBytes: number;
  /** Why sockets failed, a few examples. */
  reasons: string[];
}

export interface Counted {
  /** Timed (non-warm-up) messages received by all viewers. */
  measured: number;
  /** Viewers that received every message. */
  complete: number;
  first: number;
  last: number;
  closed: number;
  errors: number;
  latency: Histogram;
}

export class Crowd {
  readonly procs: LoadProc[];

  private constructor(procs: LoadProc[]) {
    this.procs = procs;
  }

  /** `total` viewers over at most `processes` load processes (at least 50 viewers each). */
  static async spawn(total: number, processes: number, config: Omit<ViewersConfig, "count">): Promise<Crowd> {
    const n = Math.max(1, Math.min(processes, Math.ceil(total / 50)));
    const procs: LoadProc[] = [];
    for (let i = 0; i < n; i++) {
      const count = Math.floor(total / n) + (i < total % n ? 1 : 0);
      procs.push(new LoadProc("viewers.ts", { ...config, count } satisfies ViewersConfig));
    }
    const crowd = new Crowd(procs);
    try {
      await Promise.all(procs.map((p) => p.next("spawned", 30_000)));
    } catch (error) {
      await crowd.exit();
      throw error;
    }
    return crowd;
  }

  get pids(): number[] {
    return this.procs.map((p) => p.pid);
  }

  /** Every process connects its viewers now; resolves when all have joined or failed. */
  async join(timeoutMs = 120_000): Promise<Joined> {
    for (const p of this.procs) p.send({ cmd: "go" });
    const reports = await Promise.all(this.procs.map((p) => p.next("joined", timeoutMs)));
    const go = Math.min(...reports.map((r) => r.goAt as number));
    const last = Math.max(...reports.map((r) => r.lastJoin as number));
    return {
      ms: last - go,
      joined: sum(reports, "joined"),
      failed: sum(reports, "failed"),
      joinBytes: Math.max(...reports.map((r) => r.joinBytes as number)),
      reasons: [...new Set(reports.flatMap((r) => r.reasons as string[]))].slice(0, 5),
    };
  }

  /** Waits until every viewer has all its messages; after `timeoutMs`, takes what there is. */
  async counted(timeoutMs: number): Promise<Counted> {
    const reports = await Promise.all(this.procs.map(async (p) => {
      try {
        return await p.next("done", timeoutMs);
      } catch {
        p.send({ cmd: "report" });
        return await p.next("report", 30_000);
      }
    }));
    const started = reports.filter((r) => r.first > 0);
    return {
      measured: sum(reports, "measured"),
      complete: sum(reports, "complete"),
      first: Math.min(...started.map((r) => r.first as number)),
      last: Math.max(...started.map((r) => r.last as number)),
      closed: sum(reports, "closed"),
      errors: sum(reports, "errors"),
      latency: merge(reports.map((r) => r.latency as Histogram)),
    };
  }

  /** Calls `listener` with the number of messages every viewer has received, as it grows. */
  onProgress(listener: (least: number) => void): void {
    const least = this.procs.map(() => 0);
    let reported = 0;
    this.procs.forEach((p, i) =>
      p.on("progress", (r) => {
        least[i] = r.least as number;
        const all = Math.min(...least);
        if (all > reported) listener(reported = all);
      })
    );
  }

  async exit(): Promise<void> {
    for (const p of this.procs) {
      try {
        p.send({ cmd: "exit" });
      } catch { /* gone */ }
    }
    await Promise.all(this.procs.map((p) => p.stop()));
  }
}

const sum = (reports: Report[], key: string) => reports.reduce((n, r) => n + (r[key] as number), 0);

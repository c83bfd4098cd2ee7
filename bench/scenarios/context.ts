import type { Options } from "../options.ts";
import type { RuntimeName } from "../proc.ts";
import type { Row } from "../report.ts";

/** What every scenario gets from the runner. */
export interface Context {
  options: Options;
  /** The folder both d-back and the ceilings serve statically. */
  site: string;
  log(line: string): void;
  /** Raw measurements, kept in the JSON beside the rows. */
  detail(scenario: string, runtime: RuntimeName, data: Record<string, unknown>): void;
}

export type Scenario = (ctx: Context, runtime: RuntimeName) => Promise<Row[]>;

import * as v from "valibot";

/** A validation failure as a producer or viewer should read it: where, and what is wrong. */
export interface Problem {
  path: string;
  message: string;
}

/** The dotted path of an issue and its message; an absent required key reads "is missing". */
export function problem(issue: v.BaseIssue<unknown>): Problem {
  const missing = issue.type === "object" && issue.received === "undefined" && !!issue.expected?.startsWith('"');
  return { path: v.getDotPath(issue) ?? "", message: missing ? "is missing" : issue.message };
}

/** `data.server must be …`: one issue as one phrase. */
export function describeIssue(issue: v.BaseIssue<unknown>): string {
  const { path, message } = problem(issue);
  return `${path || "value"} ${message}`;
}

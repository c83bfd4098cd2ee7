import { getMimeType, mimes } from "hono/utils/mime";

/**
 * hono's table of types by extension, plus the few d-back served before it
 * used hono's and hono lacks (`md`, `ogg`, `wav`).
 */
const types: Record<string, string> = {
  ...mimes,
  md: "text/markdown; charset=utf-8",
  ogg: "audio/ogg",
  wav: "audio/wav",
};

/** The Content-Type for a file name, by extension. */
export const contentType = (path: string): string => getMimeType(path, types) ?? "application/octet-stream";

/** Whether the type is text, and so worth compressing. */
export const isText = (type: string): boolean => /^text\/|charset=|\+xml|javascript|json/.test(type);

/**
 * The answer to `GET /api/version`: given by the app, and by the command's
 * early listener before the app has loaded, so both send the same bytes.
 */
export const versionReply = (version: string): Response =>
  new Response(JSON.stringify({ version }), { headers: { "Content-Type": "application/json" } });

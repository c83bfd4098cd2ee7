import { actions, settings } from "./options.ts";
import { inviteUrl } from "../sources/discord/invite.ts";

/** `--help`, written from the settings table so it cannot drift from the parser. */
export function helpText(version: string): string {
  const rows: [string, string][] = [];
  for (const [name, o] of Object.entries(settings)) {
    const dflt = "default" in o ? ` (default ${o.default})` : "";
    const flag = "value" in o ? `--${name} ${o.value}` : `--${name}`;
    rows.push([flag, `${o.help}${dflt}; env ${o.env}`]);
  }
  for (const [name, o] of Object.entries(actions)) rows.push([`-${o.short}, --${name}`, o.help]);
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return `d-back ${version}: the real-time server behind d-zone

Serves d-zone (or its own page) over HTTP, and Discord guilds, members, presence
changes and messages to every open d-zone page over a WebSocket on the same port.
With no data source configured it serves a mock world that lives on its own.

Usage: d-back [options]

Options:
${rows.map(([flag, text]) => `  ${flag.padEnd(width)}${text}`).join("\n")}

Your Discord server, live: at https://discord.com/developers/applications create
an application; under Bot press Reset Token (that is the token) and switch on
Presence Intent, Server Members Intent and Message Content Intent; add the bot
to your server (View Channels is all it needs) by opening
${inviteUrl("APPLICATION_ID")}
with the id from General Information; then run
  DBACK_DISCORD_TOKEN='the token' d-back
and open http://127.0.0.1:3000/ (README: Quick start).

A flag wins over its environment variable, which wins over the config file
(--config), which wins over the default. Open d-zone with
?socketURL=ws://HOST:PORT to point it at this server.

The port is bound first: until the server has started (its "listening" line),
GET /api/version is answered at once and every other request waits, at most
--max-connections of them (one more gets 503 with Retry-After: 1) and
--max-connections-per-ip from one address (one more gets 429); a start
that fails or is stopped answers them 503. SIGINT or SIGTERM stops d-back
gracefully, exit code 0 (README: Readiness, Shutdown).

Exit codes: 0 stopped by SIGINT or SIGTERM (or --help, --version); 1 could not
start or stop (a port taken, Discord unreachable); 2 a bad flag, variable or
config file, or Discord refused the bot token or its intents.
`;
}

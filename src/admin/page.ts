/**
 * The operator page: one HTML document and its script, written for d-back.
 * It polls /api/overview every second and redraws in place; every figure is
 * written as text (textContent), never as HTML, so nothing a guild or a log
 * line says can run in the page.
 */
export const operatorPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>d-back operator</title>
<style>
  :root { color-scheme: dark; --bg: #14161c; --panel: #1d2029; --line: #2c3040; --text: #e3e6ee; --dim: #8b91a3; --ok: #4fc67a; --warn: #e8b44a; --bad: #ef6461; --accent: #7aa2f7; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--text); }
  header { display: flex; flex-wrap: wrap; gap: 8px 24px; align-items: baseline; padding: 14px 20px; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 18px; margin: 0; }
  header .dim { color: var(--dim); }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 16px; padding: 16px 20px; }
  section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .06em; color: var(--dim); margin: 0 0 8px; }
  table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: 3px 6px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
  th { color: var(--dim); font-weight: 500; white-space: nowrap; }
  td.n, th.n { text-align: right; }
  .badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; }
  .ok { background: #1f3d2a; color: var(--ok); }
  .warn { background: #3d331d; color: var(--warn); }
  .bad { background: #43201f; color: var(--bad); }
  .bar { height: 6px; background: var(--line); border-radius: 3px; overflow: hidden; margin-top: 4px; }
  .bar > div { height: 100%; background: var(--accent); width: 0; }
  .figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(112px, 1fr)); gap: 10px; }
  .figure b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; white-space: nowrap; }
  .figure span { color: var(--dim); font-size: 12px; }
  .empty { color: var(--dim); font-style: italic; }
  ol#recent { list-style: none; margin: 0; padding: 0; font: 12px/1.5 ui-monospace, monospace; max-height: 260px; overflow: auto; }
  ol#recent li { padding: 2px 0; border-bottom: 1px solid var(--line); }
  ol#recent .level-error { color: var(--bad); }
  ol#recent .level-warn { color: var(--warn); }
</style>
</head>
<body>
<header>
  <h1>d-back</h1>
  <span id="about" class="dim">connecting…</span>
  <span id="readiness" class="badge warn">…</span>
  <span id="live" class="dim"></span>
</header>
<main>
  <section class="wide">
    <h2>Now</h2>
    <div class="figures">
      <div class="figure"><b id="viewers">–</b><span>viewers</span><div class="bar"><div id="viewers-bar"></div></div></div>
      <div class="figure"><b id="watched">–</b><span>guilds watched</span></div>
      <div class="figure"><b id="guilds">–</b><span>guilds offered</span></div>
      <div class="figure"><b id="event-rate">–</b><span>events / s</span></div>
      <div class="figure"><b id="frame-rate">–</b><span>frames / s out</span></div>
      <div class="figure"><b id="byte-rate">–</b><span>sent / s</span></div>
      <div class="figure"><b id="rss">–</b><span>memory (RSS)</span></div>
      <div class="figure"><b id="lag">–</b><span>event loop lag</span></div>
    </div>
  </section>
  <section>
    <h2>Guilds with viewers</h2>
    <table><thead><tr><th>guild</th><th class="n">viewers</th><th class="n">members</th></tr></thead><tbody id="guild-rows"></tbody></table>
  </section>
  <section>
    <h2>Events in</h2>
    <table><thead><tr><th>source</th><th>type</th><th class="n">per s</th><th class="n">total</th></tr></thead><tbody id="event-rows"></tbody></table>
  </section>
  <section>
    <h2>Sources</h2>
    <table><thead><tr><th>source</th><th>state</th><th>status</th></tr></thead><tbody id="source-rows"></tbody></table>
  </section>
  <section>
    <h2>Limits being hit</h2>
    <table><thead><tr><th>what</th><th>limit</th><th class="n">total</th></tr></thead><tbody id="limit-rows"></tbody></table>
  </section>
  <section class="wide">
    <h2>Recent warnings and errors</h2>
    <ol id="recent"></ol>
  </section>
</main>
<script src="/operator.js"></script>
</body>
</html>
`;

export const operatorScript = `"use strict";
const $ = (id) => document.getElementById(id);
const el = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = String(text);
  if (className) node.className = className;
  return node;
};
const row = (cells) => {
  const tr = el("tr");
  for (const [text, numeric] of cells) tr.append(el("td", text, numeric ? "n" : undefined));
  return tr;
};
const fill = (id, rows, empty, columns) => {
  const body = $(id);
  body.replaceChildren(...(rows.length ? rows : [(() => { const tr = el("tr"); const td = el("td", empty, "empty"); td.colSpan = columns; tr.append(td); return tr; })()]));
};
const bytes = (n) => n >= 1073741824 ? (n / 1073741824).toFixed(1) + " GiB" : n >= 1048576 ? (n / 1048576).toFixed(1) + " MiB" : n >= 1024 ? (n / 1024).toFixed(1) + " KiB" : Math.round(n) + " B";
const rate = (n) => n >= 100 ? Math.round(n).toString() : n.toFixed(1);
const duration = (s) => s >= 86400 ? Math.floor(s / 86400) + "d " + Math.floor(s % 86400 / 3600) + "h" : s >= 3600 ? Math.floor(s / 3600) + "h " + Math.floor(s % 3600 / 60) + "m" : s >= 60 ? Math.floor(s / 60) + "m " + (s % 60) + "s" : s + "s";
const closeNames = { "1008": "flooding (rate limit)", "1009": "frame too large", "1011": "internal error", "1013": "too slow, evicted" };
const refusalNames = { server_full: "server full", address_limit: "too many from one address", stopping: "refused while stopping", bad_upgrade: "bad upgrade" };

let previous;
function draw(o, at) {
  const dt = previous ? (at - previous.at) / 1000 : 0;
  const per = (now, before) => dt > 0 && before !== undefined ? Math.max(0, now - before) / dt : 0;
  $("about").textContent = "v" + o.version + " on " + o.runtime + " · up " + duration(o.uptimeSeconds);
  const ready = $("readiness");
  ready.textContent = o.ready ? "ready" : "not ready";
  ready.className = "badge " + (o.ready ? "ok" : "bad");
  $("viewers").textContent = o.viewers + (o.maxViewers ? " / " + o.maxViewers : "");
  const share = o.maxViewers ? o.viewers / o.maxViewers : 0;
  $("viewers-bar").style.width = Math.min(100, share * 100) + "%";
  $("viewers-bar").style.background = share >= 0.9 ? "var(--bad)" : share >= 0.7 ? "var(--warn)" : "var(--accent)";
  $("watched").textContent = o.watched.length;
  $("guilds").textContent = o.guilds;
  const eventTotal = o.events.reduce((sum, e) => sum + e.total, 0);
  $("event-rate").textContent = rate(per(eventTotal, previous?.eventTotal));
  $("frame-rate").textContent = rate(per(o.frames, previous?.frames));
  $("byte-rate").textContent = bytes(per(o.bytes, previous?.bytes));
  $("rss").textContent = bytes(o.memory.rss);
  $("lag").textContent = (o.eventLoopLag * 1000).toFixed(1) + " ms";

  fill("guild-rows", o.watched.map((g) => {
    const tr = row([[g.name], [g.viewers, true], [g.members, true]]);
    tr.firstChild.title = g.guildId;
    return tr;
  }), "nobody is watching", 3);

  const before = new Map((previous?.events ?? []).map((e) => [e.source + "/" + e.type, e.total]));
  fill("event-rows", o.events.map((e) => row([[e.source], [e.type], [rate(per(e.total, before.get(e.source + "/" + e.type))), true], [e.total, true]])), "no events yet", 4);

  fill("source-rows", o.sources.map((s) => {
    const tr = el("tr");
    tr.append(el("td", s.name));
    const state = el("td");
    state.append(el("span", s.ready ? "ready" : "not ready", "badge " + (s.ready ? "ok" : "bad")));
    tr.append(state);
    const fields = Object.entries(s.status).map(([k, v]) => k + "=" + (typeof v === "object" ? JSON.stringify(v) : v)).join("  ");
    tr.append(el("td", fields || "–"));
    return tr;
  }), "no source", 3);

  const limits = [];
  for (const [reason, n] of Object.entries(o.refused)) {
    const limit = reason === "server_full" ? o.limits.maxConnections + " viewers" : reason === "address_limit" ? o.limits.maxConnectionsPerAddress + " per address" : "";
    limits.push(row([["upgrade refused: " + (refusalNames[reason] ?? reason)], [limit], [n, true]]));
  }
  for (const [code, n] of Object.entries(o.closes)) {
    if (!closeNames[code]) continue;
    const limit = code === "1008" ? o.limits.ratePerSecond + "/s, burst " + o.limits.rateBurst : code === "1009" ? bytes(o.limits.maxFrameBytes) : code === "1013" ? bytes(o.limits.maxBufferedBytes) + " unsent" : "";
    limits.push(row([["closed " + code + ": " + closeNames[code]], [limit], [n, true]]));
  }
  if (o.signIns.limited) limits.push(row([["sign-ins refused: too many failures"], [""], [o.signIns.limited, true]]));
  fill("limit-rows", limits, "no limit hit since start", 3);

  const list = $("recent");
  list.replaceChildren(...o.recent.slice().reverse().map((entry) => {
    const fields = Object.entries(entry.fields).map(([k, v]) => k + "=" + v).join(" ");
    return el("li", entry.time + " " + entry.level.toUpperCase() + " " + entry.message + (fields ? " " + fields : ""), "level-" + entry.level);
  }));
  if (!o.recent.length) list.replaceChildren(el("li", "nothing since start", "empty"));

  $("live").textContent = "live · " + new Date(at).toLocaleTimeString();
  previous = { at, eventTotal, frames: o.frames, bytes: o.bytes, events: o.events };
}

async function poll() {
  try {
    const response = await fetch("/api/overview", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    draw(await response.json(), Date.now());
  } catch (error) {
    $("live").textContent = "cannot reach d-back (" + error.message + "), retrying";
    const ready = $("readiness");
    ready.textContent = "unreachable";
    ready.className = "badge bad";
  }
  setTimeout(poll, 1000);
}
poll();
`;

import { MemoryRoot } from "./memory-root.ts";

/**
 * The page d-back serves at `/` when no d-zone build is given: what this
 * server is, how to point d-zone at it, and a small live view of the world
 * it serves, drawn from the same WebSocket d-zone would use.
 */
export function builtinRoot(version: string): MemoryRoot {
  return MemoryRoot.fromFiles("built-in page", builtinFiles(version));
}

/** The built-in page's files, by path; build.ts packs them when it embeds no d-zone. */
export const builtinFiles = (version: string): Record<string, string> => ({ "index.html": page(version) });

const page = (version: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>d-back ${version}</title>
<style>
  :root { color-scheme: dark; --fg: #e8e6e3; --dim: #9a968f; --bg: #16171d; --card: #20222b; --accent: #7aa2f7; }
  body { margin: 0; font: 15px/1.5 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
  main { max-width: 56rem; margin: 0 auto; padding: 2rem 1.25rem; }
  h1 { margin: 0; font-size: 1.8rem; } h1 small { color: var(--dim); font-size: 1rem; font-weight: normal; }
  h2 { font-size: 1.1rem; margin: 1.75rem 0 .5rem; }
  code { background: var(--card); padding: .1rem .35rem; border-radius: 4px; }
  .card { background: var(--card); border-radius: 8px; padding: 1rem; }
  #servers button { margin: 0 .4rem .4rem 0; background: #2c2f3a; color: var(--fg); border: 1px solid #3a3e4c; border-radius: 6px; padding: .3rem .7rem; cursor: pointer; }
  #servers button[aria-pressed="true"] { border-color: var(--accent); color: var(--accent); }
  #members { display: flex; flex-wrap: wrap; gap: .4rem; list-style: none; padding: 0; }
  #members li { padding: .2rem .6rem; border-radius: 999px; background: #2c2f3a; border-left: 4px solid var(--c); }
  #members li[data-status="offline"] { opacity: .45; }
  .dot { display: inline-block; width: .55rem; height: .55rem; border-radius: 50%; margin-right: .35rem; }
  .online { background: #43b581; } .idle { background: #faa61a; } .dnd { background: #f04747; } .offline { background: #747f8d; }
  #log { height: 12rem; overflow: auto; font: 13px/1.45 ui-monospace, monospace; color: var(--dim); margin: 0; }
  #state { color: var(--dim); }
</style>
</head>
<body>
<main>
  <h1>d-back <small id="version">${version}</small></h1>
  <p>This is a d-back server: it feeds the members, statuses and messages of Discord servers to
  <a href="https://github.com/NNTin/d-zone">d-zone</a>, the pixel world where every member is a little creature,
  over a WebSocket on this same address.</p>

  <h2>Point d-zone at it</h2>
  <p>Open any d-zone page with <code>?socketURL=<span class="ws">ws://127.0.0.1:3000</span></code> appended,
  or start d-back with <code>--static-dir</code> set to a d-zone build to serve d-zone right here.</p>

  <h2>Live <span id="state">connecting…</span></h2>
  <div class="card">
    <div id="servers"></div>
    <ul id="members"></ul>
    <pre id="log"></pre>
  </div>
</main>
<script>
"use strict";
const wsURL = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/";
for (const el of document.querySelectorAll(".ws")) el.textContent = wsURL.replace(/\\/$/, "");
const $ = (id) => document.getElementById(id);
const members = new Map();
let socket, current, defaultId;

function log(line) {
  const box = $("log");
  box.textContent = (new Date().toLocaleTimeString() + "  " + line + "\\n" + box.textContent).slice(0, 8000);
}

function draw() {
  const list = $("members");
  list.replaceChildren(...[...members.values()].map((m) => {
    const li = document.createElement("li");
    li.dataset.status = m.status;
    li.style.setProperty("--c", m.roleColor);
    const dot = document.createElement("span");
    dot.className = "dot " + m.status;
    li.append(dot, m.username);
    return li;
  }));
}

function connect() {
  socket = new WebSocket(wsURL);
  socket.onopen = () => { $("state").textContent = "connected"; };
  socket.onclose = () => { $("state").textContent = "disconnected, retrying…"; setTimeout(connect, 2000); };
  socket.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type === "server-list") {
      const box = $("servers");
      box.replaceChildren();
      for (const [guildId, s] of Object.entries(msg.data)) {
        const button = document.createElement("button");
        button.textContent = s.name + (s.passworded ? " (locked)" : "");
        button.dataset.id = s.id;
        if (s.default) defaultId = s.id;
        button.onclick = () => socket.send(JSON.stringify({ type: "connect", data: { server: s.id } }));
        box.append(button);
      }
      socket.send(JSON.stringify({ type: "connect", data: { server: null } }));
    } else if (msg.type === "server-join") {
      current = msg.data.serverName;
      members.clear();
      for (const [uid, user] of Object.entries(msg.data.users)) members.set(uid, user);
      const joined = msg.data.request.server === "default" ? defaultId : msg.data.request.server;
      for (const b of document.querySelectorAll("#servers button")) b.setAttribute("aria-pressed", String(b.dataset.id === joined));
      $("state").textContent = "viewing " + current;
      log("joined " + current + " (" + members.size + " members)");
      draw();
    } else if (msg.type === "presence") {
      const m = members.get(msg.data.uid);
      if (msg.data.delete) members.delete(msg.data.uid);
      else if (m) Object.assign(m, msg.data);
      else if (msg.data.username) members.set(msg.data.uid, { roleColor: "#ffffff", ...msg.data });
      log((m?.username ?? msg.data.username ?? msg.data.uid) + " is now " + (msg.data.delete ? "gone" : msg.data.status));
      draw();
    } else if (msg.type === "message") {
      log((members.get(msg.data.uid)?.username ?? msg.data.uid) + ": " + msg.data.message);
    } else if (msg.type === "error") {
      log("error: " + msg.data.message);
    }
  };
}
connect();
</script>
</body>
</html>
`;

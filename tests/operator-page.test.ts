// The operator page on the admin port, in real Chromium: live figures without a reload, and nothing in it runs as HTML.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import type { Browser, Page } from "playwright-core";
import { startServer } from "./helpers/server.ts";
import { launchBrowser } from "./helpers/browser.ts";
import { Client } from "./helpers/client.ts";
import { RawSocket, Refused } from "./helpers/raw-socket.ts";
import { ingest, TOKEN } from "./helpers/ingest.ts";
import type { Server } from "../src/mod.ts";

const NASTY = `<img src=x onerror="document.title='owned'">`;

describe("operator page in Chromium", () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  const viewers: Client[] = [];
  const errors: string[] = [];
  before(async () => {
    server = await startServer({
      ingest: { token: TOKEN },
      mock: { presenceMs: 40, messageMs: 50 },
      admin: { port: 0 },
      limits: { maxConnectionsPerAddress: 4 },
    });
    const guild = { id: "nasty", name: NASTY, users: { "11": { uid: "11", username: NASTY, status: "online", roleColor: "#123456" } } };
    assert.equal((await ingest(server, "PUT", "/servers/777", guild)).status, 201);
    const url = `ws://127.0.0.1:${server.port}/`;
    for (const guild of ["dworld", "dworld", "repos", "nasty"]) viewers.push((await Client.joined(url, guild)).client);
    await assert.rejects(RawSocket.open(server.port), (e) => e instanceof Refused && e.status === 429);
    assert.equal((await ingest(server, "POST", "/events", [], `wrong-${NASTY}-token-xxxxxxxx`)).status, 401);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1100, height: 600 } });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  });
  after(async () => {
    await browser?.close();
    for (const viewer of viewers) await viewer.close();
    await server.stop();
  });

  it("shows guilds with their viewers and members, sources, and events coming in", async () => {
    await page.goto(server.adminUrl + "/");
    assert.equal(await page.title(), "d-back operator");
    await page.locator("#readiness", { hasText: /^ready$/ }).waitFor();
    await page.locator("#viewers", { hasText: /^4 \/ 10000$/ }).waitFor();
    const dworld = page.locator("#guild-rows tr", { hasText: "D-World" });
    assert.deepEqual(await dworld.locator("td").allTextContents(), ["D-World", "2", "4"]);
    assert.deepEqual(await page.locator("#guild-rows tr", { hasText: "My Repos" }).locator("td").allTextContents(), ["My Repos", "1", "21"]);
    for (const name of ["ingest", "mock"]) {
      assert.equal(await page.locator("#source-rows tr", { hasText: name }).locator(".badge").textContent(), "ready");
    }
    await page.locator("#event-rows tr", { hasText: "mock" }).first().waitFor();
  });

  it("shows the limits being hit and recent warnings, as text", async () => {
    assert.deepEqual(
      await page.locator("#limit-rows tr", { hasText: "too many from one address" }).locator("td").allTextContents(),
      ["upgrade refused: too many from one address", "4 per address", "1"],
    );
    await page.locator("#recent li", { hasText: "WARN ingest request refused: missing or wrong bearer token" }).waitFor();
    // The guild's name is shown as written, and ran nowhere.
    assert.equal(await page.locator("#guild-rows td", { hasText: NASTY }).count(), 1);
    assert.equal(await page.locator("img").count(), 0);
    assert.equal(await page.title(), "d-back operator");
    assert.ok(!(await page.content()).includes("wrong-"), "the bearer token tried is never shown");
  });

  it("follows changes without a reload", async () => {
    await page.evaluate(() => (window as unknown as { marker: number }).marker = 1);
    await viewers.pop()!.close();
    await page.locator("#viewers", { hasText: /^3 \/ 10000$/ }).waitFor();
    assert.equal(await page.locator("#guild-rows tr", { hasText: NASTY }).count(), 0);
    await page.locator("#event-rate", { hasNotText: /^0\.0$/ }).waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { marker: number }).marker), 1, "the same document");
    const shot = process.env.DBACK_OPERATOR_SCREENSHOT;
    if (shot) await page.screenshot({ path: shot, fullPage: true });
    assert.deepEqual(errors, []);
  });
});

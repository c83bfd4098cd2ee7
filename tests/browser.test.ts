// d-back's own page in a real browser: it connects over the same port and shows the world moving.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { startServer } from "./helpers/server.ts";
import { launchBrowser } from "./helpers/browser.ts";
import { MockSource, type Server, VERSION } from "../src/mod.ts";

describe("built-in page in Chromium", () => {
  let server: Server;
  let browser: Browser;
  let page: Page;
  before(async () => {
    server = await startServer({ source: new MockSource({ presenceMs: 100, messageMs: 120 }) });
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  after(async () => {
    await browser?.close();
    await server.stop();
  });

  it("loads, connects and joins the default guild", async () => {
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(server.url + "/");
    assert.equal(await page.title(), `d-back ${VERSION}`);
    await page.locator("#state", { hasText: /^viewing D-World$/ }).waitFor();
    assert.equal(await page.locator("#members li").count(), 4);
    assert.equal(await page.locator("#servers button").count(), 4);
    assert.equal(await page.locator(".ws").first().textContent(), `ws://127.0.0.1:${server.port}`);
    assert.deepEqual(errors, []);
  });

  it("shows presence changes and messages as they happen", async () => {
    await page.locator("#log", { hasText: /: (hello|how are you\?|this is a test message|D-Zone rocks!|what's up\?)/ }).waitFor();
    await page.locator("#log", { hasText: / is now (online|idle|dnd|offline)/ }).waitFor();
  });

  it("switches guilds, and shows the refusal of a passworded one", async () => {
    await page.getByRole("button", { name: "My Repos" }).click();
    await page.locator("#state", { hasText: /^viewing My Repos$/ }).waitFor();
    assert.equal(await page.locator("#members li").count(), 21);
    assert.equal(await page.getByRole("button", { name: "My Repos" }).getAttribute("aria-pressed"), "true");
    await page.getByRole("button", { name: /OAuth2 Protected Server/ }).click();
    await page.locator("#log", { hasText: "error: This server requires Discord authentication. Please login with Discord." }).waitFor();
    assert.equal(server.hub.viewers(), 1);
  });
});

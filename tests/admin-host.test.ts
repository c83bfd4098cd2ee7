// The admin port on the loopback interface answers only requests sent to a loopback name: a page
// elsewhere that points a name of its own at 127.0.0.1 (DNS rebinding) must not read it.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { startServer } from "./helpers/server.ts";
import { rawGet, rawRequest } from "./helpers/http.ts";
import type { Server } from "../src/mod.ts";

describe("admin port on loopback: Host", () => {
  let server: Server;
  let port: number;
  before(async () => {
    server = await startServer({ admin: { port: 0 } });
    port = Number(new URL(server.adminUrl).port);
  });
  after(() => server.stop());

  for (const host of ["127.0.0.1", "localhost", "LOCALHOST", "[::1]", "127.0.0.2"]) {
    for (const withPort of [false, true]) {
      const sent = withPort ? `${host}:${1234}` : host;
      it(`serves Host: ${sent}`, async () => {
        for (const path of ["/metrics", "/api/overview", "/"]) assert.equal((await rawGet(port, path, { Host: sent })).status, 200, path);
      });
    }
  }

  for (const host of ["rebind.example", `rebind.example:${1234}`, "127.0.0.1.nip.io", "localhost.example", "[::2]", "10.0.0.1"]) {
    it(`refuses Host: ${host} with 421, on every path`, async () => {
      for (const path of ["/metrics", "/api/overview", "/", "/health", "/nothing"]) {
        const reply = await rawGet(port, path, { Host: host });
        assert.equal(reply.status, 421, path);
        assert.match(reply.body, /loopback/);
        assert.doesNotMatch(reply.body, /dback_/);
      }
    });
  }

  it("serves an HTTP/1.0 request without Host (a health check, not a browser)", async () => {
    assert.equal((await rawRequest(port, "GET /health HTTP/1.0\r\n\r\n")).status, 200);
  });

  it("the public port is not affected: any well-formed Host is served", async () => {
    assert.equal((await rawGet(server.port, "/api/version", { Host: "rebind.example" })).status, 200);
  });
});

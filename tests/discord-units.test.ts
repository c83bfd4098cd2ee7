// The Discord source's pure parts: names, colours, statuses, message text, member request pacing, fatal lines.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { displayName, Roster, toStatus } from "../src/sources/discord/roster.ts";
import { MAX_MESSAGE, renderMessage } from "../src/sources/discord/render.ts";
import { type MemberRequest, MemberRequests } from "../src/sources/discord/member-requests.ts";
import { disallowedIntents, missingIntents } from "../src/sources/discord/fatal.ts";
import { splitApiBase } from "../src/sources/discord/gateway.ts";
import { inviteUrl } from "../src/sources/discord/invite.ts";

const user = (id: string, username: string, global_name: string | null = null) => ({ id, username, global_name });

describe("Discord source parts", () => {
  it("names a member as Discord shows them: nick, else display name, else username", () => {
    assert.equal(displayName({ nick: "Nick", user: user("1", "name", "Global") }), "Nick");
    assert.equal(displayName({ nick: null, user: user("1", "name", "Global") }), "Global");
    assert.equal(displayName({ nick: "", user: user("1", "name") }), "name");
  });

  it("maps statuses d-zone cannot draw to offline", () => {
    assert.deepEqual(["online", "idle", "dnd", "offline", "invisible", undefined, "weird"].map(toStatus), [
      "online",
      "idle",
      "dnd",
      "offline",
      "offline",
      "offline",
      "offline",
    ]);
  });

  it("colours a member by the highest coloured role (an older role wins a tie), white when none, never black", () => {
    const r = new Roster("9", "G", { hideBots: true, hideOffline: false });
    r.setRole({ id: "30", name: "a", color: 0x000001, position: 1 });
    r.setRole({ id: "31", name: "b", color: 0, position: 5 });
    r.setRole({ id: "29", name: "c", color: 0xabcdef, position: 1 });
    assert.equal(r.roleColor({ user: user("1", "x"), roles: ["30", "31", "29"] }), "#abcdef");
    assert.equal(r.roleColor({ user: user("1", "x"), roles: ["30"] }), "#000001");
    assert.equal(r.roleColor({ user: user("1", "x"), roles: ["31"] }), "#ffffff");
  });

  it("renders mentions from the message's own mentions first, and cuts long text without splitting a character", () => {
    const r = new Roster("9", "G", { hideBots: true, hideOffline: false });
    r.setMember({ user: user("5", "roster-name"), nick: null, roles: [] });
    const msg = (content: string, mentions: { id: string; username: string; member?: { nick: string } }[] = []) => ({
      channel_id: "1",
      author: user("7", "a"),
      content,
      mentions,
    });
    assert.equal(renderMessage(msg("<@!5> and <@6>", [{ id: "6", username: "six", member: { nick: "Sixer" } }]), r), "@roster-name and @Sixer");
    assert.equal(renderMessage(msg("<#404> <@&404> <a:wave:1>"), r), "#unknown-channel @unknown-role :wave:");
    const long = renderMessage(msg("😀".repeat(MAX_MESSAGE + 10)), r);
    assert.equal([...long].length, MAX_MESSAGE);
    assert.ok(long.endsWith("😀…"));
    // Plain text (no markup): trimmed, kept whole up to MAX_MESSAGE characters, cut one past it.
    assert.equal(renderMessage(msg(`  ${"x".repeat(MAX_MESSAGE)}  `), r), "x".repeat(MAX_MESSAGE));
    assert.equal(renderMessage(msg("x".repeat(MAX_MESSAGE + 1)), r), "x".repeat(MAX_MESSAGE - 1) + "…");
    assert.equal(renderMessage(msg("😀".repeat(MAX_MESSAGE / 2 + 1)), r), "😀".repeat(MAX_MESSAGE / 2 + 1));
    assert.equal(renderMessage(msg("a < b, <@5>"), r), "a < b, @roster-name");
  });

  it("asks for a guild's members at most once per interval, and not before a RATE_LIMITED's retry_after", async () => {
    const sent: MemberRequest[] = [];
    let clock = 1_000_000;
    const requests = new MemberRequests((r) => sent.push(r), 30_000, () => clock);
    requests.request("1");
    requests.request("2");
    assert.deepEqual(sent.map((r) => r.guild_id), ["1", "2"]);
    assert.equal(requests.chunk("1", sent[0]!.nonce, 0, 2), "more");
    assert.equal(requests.chunk("1", "another", 1, 2), "stale");
    assert.equal(requests.chunk("1", sent[0]!.nonce, 1, 2), "done");
    requests.reset(); // a new session: the limit stays
    requests.request("1");
    assert.equal(sent.length, 2, "within 30 s of the last request: waits");
    clock += 30_000;
    requests.rateLimited("2", 0);
    assert.equal(sent.length, 3, "30 s later the guild may be asked again");
    requests.rateLimited("3", 45);
    clock += 30_000;
    requests.request("3");
    assert.equal(sent.length, 3, "retry_after (45 s) not over yet");
    requests.reset();
  });

  it("names the privileged intents an application has off, and splits the API base for the REST client", () => {
    assert.deepEqual(missingIntents(0), ["Presence Intent", "Server Members Intent", "Message Content Intent"]);
    assert.deepEqual(missingIntents((1 << 13) | (1 << 15) | (1 << 18)), [], "limited flags count as on");
    assert.match(disallowedIntents("42", 1 << 12), /switch on Server Members Intent, Message Content Intent .*applications\/42\/bot/);
    assert.deepEqual(splitApiBase("https://discord.com/api/v10"), { api: "https://discord.com/api", version: "10" });
    assert.deepEqual(splitApiBase("http://127.0.0.1:9/api/v9/"), { api: "http://127.0.0.1:9/api", version: "9" });
    assert.equal(inviteUrl("42"), "https://discord.com/oauth2/authorize?client_id=42&scope=bot&permissions=1024");
  });
});

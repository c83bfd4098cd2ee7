"""Feeds d-back from an asyncio program (a discord.py bot, say) through the ingest API, with aiohttp.

One aiohttp session and one ingest WebSocket, opened once and shared by every event handler, so
nothing blocks the bot's event loop. Start d-back with a token, then run this with the same one:

    DBACK_INGEST_TOKEN=... python3 examples/ingest_bot.py     (DBACK_URL: default http://127.0.0.1:3000)

Standing alone it puts one guild and sends two events; in a bot, call `dback.send(...)` from the
event handlers (see the end of this file).
"""

import asyncio
import os

import aiohttp


class DBack:
    """A connection to d-back's ingest API: PUT guilds over HTTP, stream events over the WebSocket."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url.rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}

    async def __aenter__(self) -> "DBack":
        self.session = aiohttp.ClientSession(headers=self.headers)
        self.ws = await self.session.ws_connect(f"{self.base_url}/api/ingest")
        self.replies = asyncio.create_task(self._report_refusals())
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()
        await self.replies
        await self.session.close()

    async def put_guild(self, guild_id: str, short_id: str, name: str, members: dict, default: bool = False) -> dict:
        """Creates or replaces a guild with all its members ({uid: {uid, username, status, roleColor}})."""
        body = {"id": short_id, "name": name, "default": default, "users": members}
        async with self.session.put(f"{self.base_url}/api/ingest/servers/{guild_id}", json=body) as res:
            reply = await res.json()
            if res.status >= 400:
                raise RuntimeError(f"d-back refused guild {guild_id}: {reply}")
            return reply

    async def send(self, *events: dict) -> None:
        """Sends events in one frame; d-back answers only the ones it refuses (see _report_refusals)."""
        await self.ws.send_json(list(events))

    async def _report_refusals(self) -> None:
        async for frame in self.ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                print(f"d-back refused an event: {frame.data}", flush=True)


def presence(guild_id: str, uid: str, status: str, username: str | None = None, role_color: str | None = None) -> dict:
    """A presence event; status is online, idle, dnd or offline (map discord.py's invisible to offline)."""
    data = {"uid": uid, "status": status}
    if username is not None:
        data["username"] = username
    if role_color is not None:
        data["roleColor"] = role_color
    return {"type": "presence", "server": guild_id, "data": data}


def message(guild_id: str, uid: str, text: str, channel_id: str) -> dict:
    return {"type": "message", "server": guild_id, "data": {"uid": uid, "message": text, "channel": channel_id}}


async def main() -> None:
    base_url = os.environ.get("DBACK_URL", "http://127.0.0.1:3000")
    async with DBack(base_url, os.environ["DBACK_INGEST_TOKEN"]) as dback:
        guild = "232769614004748288"
        members = {"42": {"uid": "42", "username": "Ada", "status": "online", "roleColor": "#e06c75"}}
        print(await dback.put_guild(guild, "dworld", "D-World", members, default=True), flush=True)
        await dback.send(presence(guild, "42", "idle"), message(guild, "42", "hello from Python", "7"))
        await asyncio.sleep(0.5)  # time for d-back to answer a refused event before the socket closes


if __name__ == "__main__":
    asyncio.run(main())

# In a discord.py bot (intents: guilds, members, presences, messages, message_content), open the
# connection once in setup_hook and send from the handlers:
#
#     async def setup_hook(self):
#         self.dback = await DBack(URL, TOKEN).__aenter__()
#
#     async def on_presence_update(self, before, after):
#         status = "offline" if str(after.status) == "invisible" else str(after.status)
#         await self.dback.send(presence(str(after.guild.id), str(after.id), status, after.display_name))
#
#     async def on_message(self, msg):
#         if msg.guild and not msg.author.bot:
#             await self.dback.send(message(str(msg.guild.id), str(msg.author.id), msg.content, str(msg.channel.id)))

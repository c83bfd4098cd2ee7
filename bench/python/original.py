"""
The Python d-back (the original, from a checkout given to the benchmark; never
part of this repository) as a benchmark target: its public API only
(WebSocketServer, on_get_server_data, on_get_user_data, broadcast_message,
run_forever), fed the benchmark's guild and members.

    python3 bench/python/original.py CHECKOUT PORT GUILD.json

GUILD.json holds {"guildId", "shortId", "name", "members"}. Prints
"python d-back listening url=http://127.0.0.1:PORT" on stderr once it accepts
connections. Commands come as JSON lines on stdin:
    {"cmd": "send", "count": N, "warm": W, "rate": R, "uid": UID}
        broadcasts W + N benchmark messages (text "~seq~stamp~", stamp in ms on
        the machine's clock), R per second or as fast as it can for 0, then
        reports {"type": "sent", "measuredFrom": STAMP} on stdout.
The original prints a line per event; its output goes to /dev/null.
"""
import asyncio
import json
import os
import sys
import time

checkout, port, guild_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path.insert(0, checkout)
reports = sys.stdout
sys.stdout = open(os.devnull, "w")

from d_back.server import WebSocketServer  # noqa: E402

with open(guild_file) as f:
    guild = json.load(f)


def report(data):
    reports.write(json.dumps(data) + "\n")
    reports.flush()


async def send(server, cmd):
    total = cmd["warm"] + cmd["count"]
    rate = cmd["rate"]
    start = time.monotonic()
    wall = time.time() * 1000
    measured_from = None
    for seq in range(total):
        if rate:
            delay = start + seq / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        # Paced, an event is stamped when it was due: when a broadcast falls behind (each one awaits
        # every send), the wait counts, as it would for events that came from Discord meanwhile.
        stamp = wall + seq * 1000 / rate if rate else time.time() * 1000
        if seq == cmd["warm"]:
            measured_from = stamp
        await server.broadcast_message(guild["guildId"], cmd["uid"], f"~{seq}~{stamp:.3f}~", "bench")
    report({"type": "sent", "measuredFrom": measured_from})


async def commands(server):
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            os._exit(0)
        cmd = json.loads(line)
        if cmd["cmd"] == "send":
            await send(server, cmd)


async def listening():
    while True:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)


async def main():
    server = WebSocketServer(port=port, host="127.0.0.1")

    async def servers():
        return {guild["guildId"]: {"id": guild["shortId"], "name": guild["name"], "default": True, "passworded": False}}

    async def users(_server_id):
        return guild["members"]

    server.on_get_server_data(servers)
    server.on_get_user_data(users)
    running = asyncio.create_task(server.run_forever())
    await listening()
    sys.stderr.write(f"python d-back listening url=http://127.0.0.1:{port}\n")
    sys.stderr.flush()
    await asyncio.gather(running, commands(server))


asyncio.run(main())

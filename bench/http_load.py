"""A small HTTP/1.1 keep-alive load generator, run as its own process by the engine benchmark.

    python bench/http_load.py HOST PORT SECONDS CONNECTIONS  → prints {"requests": N, "errors": E}

Each connection sends ``GET /version`` back to back for SECONDS; raw asyncio streams, so the
client costs little next to what it measures.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

REQUEST = b"GET /version HTTP/1.1\r\nHost: bench\r\n\r\n"


async def connection(host: str, port: int, until: float, counts: list[int]) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError:
        counts[1] += 1
        return
    try:
        while time.monotonic() < until:
            writer.write(REQUEST)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
            await reader.readexactly(length)
            counts[0] += 1
    except (OSError, asyncio.IncompleteReadError, StopIteration):
        counts[1] += 1
    finally:
        writer.close()


async def main(host: str, port: int, seconds: float, connections: int) -> None:
    counts = [0, 0]
    until = time.monotonic() + seconds
    await asyncio.gather(*(connection(host, port, until, counts) for _ in range(connections)))
    print(json.dumps({"requests": counts[0], "errors": counts[1], "seconds": seconds}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])))

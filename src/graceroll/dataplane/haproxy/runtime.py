"""HAProxy's runtime API: one command per connection to the stats socket (it answers and closes),
and the master CLI (``-S``), which stays open until told ``quit``. Parsers for the answers used."""

from __future__ import annotations

import asyncio
import csv
from dataclasses import dataclass
from pathlib import Path

from graceroll.errors import GracerollError

TIMEOUT = 10.0
MAINT = 0x07  # srv_admin_state bits: forced, inherited or configured ("disabled") maintenance


@dataclass(frozen=True)
class ServerState:
    backend: str
    name: str
    addr: str
    port: int
    admin: int
    weight: int = 1  # srv_uweight: the weight set by the config or ``set server … weight``

    @property
    def in_maint(self) -> bool:
        return bool(self.admin & MAINT)


async def command(socket: Path, line: str, timeout: float = TIMEOUT) -> str:
    """Send one command (or several, ``;``-separated) and return the answer."""
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_unix_connection(str(socket))
            try:
                writer.write(line.encode() + b"\n")
                await writer.drain()
                return (await reader.read()).decode(errors="replace")
            finally:
                writer.close()
    except (OSError, TimeoutError) as e:
        raise GracerollError(f"haproxy runtime API {socket}: {line.split()[0]}: {e or type(e).__name__}") from e


async def master(socket: Path, line: str, timeout: float = TIMEOUT) -> str:
    """A command to the master CLI."""
    return await command(socket, f"{line}; quit", timeout)


def parse_servers_state(text: str) -> list[ServerState]:
    """``show servers state``: a version line, a ``#`` header naming the columns, one line a server."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header = next((ln[1:].split() for ln in lines if ln.startswith("#")), None)
    if header is None:
        return []
    out = []
    for ln in lines:
        fields = ln.split()
        if ln.startswith("#") or len(fields) != len(header):
            continue
        row = dict(zip(header, fields, strict=True))
        out.append(ServerState(row["be_name"], row["srv_name"], row["srv_addr"], int(row["srv_port"]), int(row["srv_admin_state"]), int(row.get("srv_uweight") or 1)))
    return out


def parse_sessions(text: str) -> dict[tuple[str, str], int]:
    """``show stat``: current sessions (``scur``) by (backend, server), servers only."""
    lines = text.splitlines()
    if not lines or not lines[0].startswith("# "):
        return {}
    rows = csv.DictReader([lines[0][2:], *lines[1:]])
    return {
        (r["pxname"], r["svname"]): int(r["scur"] or 0)
        for r in rows
        if r.get("svname") not in (None, "FRONTEND", "BACKEND") and r.get("scur") is not None
    }


def master_reloads(text: str) -> tuple[int, int] | None:
    """``show proc`` on the master CLI: (reloads, failed reloads) from the master's line."""
    for ln in text.splitlines():
        fields = ln.split()
        if len(fields) >= 3 and fields[1] == "master":
            failed = ln.partition("[failed:")[2].partition("]")[0].strip()
            return int(fields[2]), int(failed or 0)
    return None

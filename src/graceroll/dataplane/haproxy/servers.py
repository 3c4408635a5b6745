"""Runtime API commands that turn the servers HAProxy has into the ones the table wants (pure).

A server is named after its address and revision, so "wanted" is a set of names per backend:

- wanted, missing:            ``add server`` (it starts in maintenance) with its weight, then
                              ``enable server`` unless its pod is being drained
- present, not wanted:        ``set server … state maint``, then ``del server`` — refused while it
                              still has connections; the next apply tries again
- present and wanted:         maintenance exactly when its pod is being drained; ``set server …
                              weight`` when the split's weights changed
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from graceroll.dataplane.haproxy.config import Server
from graceroll.dataplane.haproxy.runtime import ServerState


def plan(actual: Iterable[ServerState], wanted: Mapping[str, tuple[Server, ...]], draining: set[str]) -> list[str]:
    have: dict[str, dict[str, ServerState]] = {}
    for s in actual:
        have.setdefault(s.backend, {})[s.name] = s
    out: list[str] = []
    for backend in sorted(set(wanted) | set(have)):
        want = {s.name: s for s in wanted.get(backend, ())}
        present = have.get(backend, {})
        for name, server in sorted(want.items()):
            ip, port = server.address
            found = present.get(name)
            if found is None:
                out.append(f"add server {backend}/{name} {ip}:{port}" + (f" weight {server.weight}" if server.weight != 1 else ""))
                if ip not in draining:
                    out.append(f"enable server {backend}/{name}")
                continue
            if found.weight != server.weight:
                out.append(f"set server {backend}/{name} weight {server.weight}")
            if ip in draining and not found.in_maint:
                out.append(f"set server {backend}/{name} state maint")
            elif ip not in draining and found.in_maint:
                out.append(f"set server {backend}/{name} state ready")
        for name, s in sorted(present.items()):
            if name not in want:
                if not s.in_maint:
                    out.append(f"set server {backend}/{name} state maint")
                out.append(f"del server {backend}/{name}")
    return out


def servers_at(actual: Iterable[ServerState], ip: str) -> list[ServerState]:
    return [s for s in actual if s.addr == ip]

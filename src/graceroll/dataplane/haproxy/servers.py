"""Runtime API commands that turn the servers HAProxy has into the ones the table wants (pure).

A server is named after its address, so "wanted" is a set of names per backend:

- wanted, missing:            ``add server`` (it starts in maintenance), then ``enable server``
                              unless its pod is being drained
- present, not wanted:        ``set server … state maint``, then ``del server`` — refused while it
                              still has connections; the next apply tries again
- present and wanted:         maintenance exactly when its pod is being drained
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from graceroll.dataplane.haproxy.config import server_name
from graceroll.dataplane.haproxy.runtime import ServerState
from graceroll.proxy.routes import Address


def plan(actual: Iterable[ServerState], wanted: Mapping[str, tuple[Address, ...]], draining: set[str]) -> list[str]:
    have: dict[str, dict[str, ServerState]] = {}
    for s in actual:
        have.setdefault(s.backend, {})[s.name] = s
    out: list[str] = []
    for backend in sorted(set(wanted) | set(have)):
        want = {server_name(a): a for a in wanted.get(backend, ())}
        present = have.get(backend, {})
        for name, (ip, port) in sorted(want.items()):
            found = present.get(name)
            if found is None:
                out.append(f"add server {backend}/{name} {ip}:{port}")
                if ip not in draining:
                    out.append(f"enable server {backend}/{name}")
            elif ip in draining and not found.in_maint:
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

"""What graceroll's HAProxy objects are named, and what a name says (pure, standard library only:
the collector imports it, and starts before HAProxy's first requests only if it loads fast).

- a server: ``s_<ip>_<port>_<revision>`` (``s_<ip>_<port>`` for a pod without a revision), so the
  runtime API finds it by address and the request log says which revision answered;
- a backend: ``be_<ip>_<port>`` of its listener, with ``_http``/``_tcp`` (``auto``) or
  ``_canary`` (header routes) after it, so counters keep their Service when a backend goes.
"""

from __future__ import annotations

TAG_VARIABLE = "GRACEROLL_TRAFFIC_TAG"  # the request log's secret tag, in the collector's environment


def server_name(backend: tuple[str, int], revision: str = "") -> str:
    return f"s_{backend[0]}_{backend[1]}" + (f"_{revision}" if revision else "")


def revision_of(server: str) -> str:
    """The revision in a server's name ("" without one): ``s_<ip>_<port>_<revision>``."""
    parts = server.split("_", 3)
    return parts[3] if len(parts) == 4 and parts[0] == "s" else ""


def listener_of(backend: str) -> tuple[str, int] | None:
    """The listener address a backend serves (its name says: ``be_<ip>_<port>[_<kind>]``), so
    counters keep their Service when a backend goes (a canary backend when its routes do)."""
    parts = backend.split("_")
    if len(parts) < 3 or parts[0] != "be" or not parts[2].isdigit():
        return None
    return parts[1], int(parts[2])

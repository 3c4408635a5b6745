"""A process node in a process of its own, so that a test can kill it with SIGKILL like a crashed engine.

Run by ``harness.NodeProcess`` as ``python crash_node.py CONFIG_JSON``. It opens the durable store,
starts a node with the tests' short timings, writes every pod of the store to ``snapshot`` (JSON,
replaced atomically) whenever the store changes, and executes one JSON command per stdin line:

    {"op": "delete", "name": "web"}                          mark the pod for deletion
    {"op": "image", "name": "web", "container": "app", "image": "app:v2"}
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the tests directory, as pytest has it

import graceroll.api.builtin  # noqa: F401  (registers the kinds)
from graceroll.api.meta import clone
from graceroll.clock import SystemClock
from graceroll.node.drain import NoProxy
from graceroll.node.process.addresses import AddressPool
from graceroll.node.process.agent import ProcessNode
from graceroll.node.process.images import ImageResolver
from graceroll.store.sqlite import open_store
from integration.node.harness import FAST


async def main(cfg: dict[str, Any]) -> None:
    loop = asyncio.get_running_loop()
    clock = SystemClock()
    store = open_store(cfg["store"], clock)
    node = ProcessNode(store, clock, Path(cfg["state_dir"]), ImageResolver(Path(cfg["images"])), NoProxy())
    node.tuning = FAST
    node.addresses = AddressPool(first=f"{cfg['block']}.1", last=f"{cfg['block']}.254")
    snapshot = Path(cfg["snapshot"])
    pending = False

    def dump() -> None:
        nonlocal pending
        pending = False
        tmp = snapshot.with_suffix(".tmp")
        tmp.write_text(json.dumps({p["metadata"]["name"]: p for p in store.list("Pod")}))
        os.replace(tmp, snapshot)

    def changed(_: object) -> None:
        nonlocal pending
        if not pending:
            pending = True
            loop.call_soon(dump)

    def command() -> None:
        line = sys.stdin.buffer.readline()
        if not line:
            loop.remove_reader(sys.stdin.fileno())
            return
        cmd = json.loads(line)
        if cmd["op"] == "delete":
            store.delete("Pod", "default", cmd["name"])
        elif cmd["op"] == "image":
            pod = clone(store.get("Pod", "default", cmd["name"]))
            for c in pod["spec"]["containers"]:
                if c["name"] == cmd["container"]:
                    c["image"] = cmd["image"]
            store.update(pod)

    store.subscribe(changed)
    await node.start()
    dump()
    loop.add_reader(sys.stdin.fileno(), command)
    await asyncio.Event().wait()  # until SIGKILL


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))

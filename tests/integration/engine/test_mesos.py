"""The seed's BCS Mesos deployment on the engine: real taskgroups, an update to a new application."""

from __future__ import annotations

import json
from pathlib import Path

from .harness import Engine

SEED = Path(__file__).resolve().parents[3] / "examples" / "seed-003"


def runnable(name: str, tmp: Path) -> Path:
    """The seed's JSON without its Python 2 command, so the demo server runs on the same port."""
    doc = json.loads((SEED / name).read_text())
    for c in doc["spec"]["template"]["spec"]["containers"]:
        c.pop("command", None)
        c.pop("args", None)
    doc["spec"]["strategy"]["rollingupdate"]["upgradeDuration"] = 0
    out = tmp / name
    out.write_text(json.dumps(doc))
    return out


def test_a_mesos_deployment_rolls_to_a_new_application(engine: Engine, tmp_path: Path) -> None:
    ns = ("-n", "defaultGroup")
    engine.stop()  # two virtual nodes, so the seed's InnerIP UNIQUE can place both instances
    engine.dd.config.write_text("nodes:\n  - {name: node-a, innerIP: 127.0.0.1}\n  - {name: node-b, innerIP: 127.0.0.2}\n")
    engine.start()
    assert "mesosdeployment.mesos.bcs.tencent.com/test created" in engine.cli("apply", "-f", str(runnable("test1-1-0.json", tmp_path))).out
    engine.cli(*ns, "rollout", "status", "mdeploy/test", "--timeout", "60")
    table = engine.cli(*ns, "get", "application").out.splitlines()
    assert table[0].split() == ["NAME", "STATUS", "INSTANCE", "RUNNING_INSTANCE", "MESSAGE", "CREATETIME", "NAMESPACE"]
    assert table[1].split()[:4] == ["test", "Running", "2", "2"]

    engine.cli("apply", "-f", str(runnable("test1-1-1.json", tmp_path)))
    engine.cli(*ns, "rollout", "status", "mdeploy/test", "--timeout", "90")
    d = json.loads(engine.cli(*ns, "get", "mdeploy", "test", "-o", "json").out)
    assert d["status"]["phase"] == "Running" and d["status"]["application"].startswith("test-v")
    pods = json.loads(engine.cli(*ns, "get", "pods", "-o", "json").out)["items"]
    assert sorted(p["metadata"]["name"] for p in pods) == [f"{d['status']['application']}-0", f"{d['status']['application']}-1"]
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"hub.docker.com:xxxx/xxxxxx:v1.1.1"}
    assert all(p["status"]["containerStatuses"][0]["ready"] for p in pods)

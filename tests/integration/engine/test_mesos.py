"""The seed's BCS Mesos deployment on the engine: real taskgroups, an update to a new application."""

from __future__ import annotations

import json
from pathlib import Path

from .harness import Engine

SEED = Path(__file__).resolve().parents[3] / "examples" / "seed-003"


def runnable(name: str, tmp: Path, gap: int = 0) -> Path:
    """The seed's JSON without its Python 2 command, so the demo server runs on the same port;
    ``gap`` seconds between update steps."""
    doc = json.loads((SEED / name).read_text())
    for c in doc["spec"]["template"]["spec"]["containers"]:
        c.pop("command", None)
        c.pop("args", None)
    doc["spec"]["strategy"]["rollingupdate"]["upgradeDuration"] = gap
    out = tmp / name
    out.write_text(json.dumps(doc))
    return out


NS = ("-n", "defaultGroup")


def two_nodes(engine: Engine) -> None:
    """Restart the engine with two virtual nodes, so the seed's InnerIP UNIQUE can place both instances."""
    engine.stop()
    engine.dd.config.write_text("nodes:\n  - {name: node-a, innerIP: 127.0.0.1}\n  - {name: node-b, innerIP: 127.0.0.2}\n")
    engine.start()


def test_a_mesos_deployment_rolls_to_a_new_application(engine: Engine, tmp_path: Path) -> None:
    ns = NS
    two_nodes(engine)
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


def test_pause_resume_and_cancel_in_the_middle_restore_the_old_version(engine: Engine, tmp_path: Path) -> None:
    two_nodes(engine)
    engine.cli("apply", "-f", str(runnable("test1-1-0.json", tmp_path)))
    engine.cli(*NS, "rollout", "status", "mdeploy/test", "--timeout", "60")
    old_uids = {p["metadata"]["name"]: p["metadata"]["uid"] for p in json.loads(engine.cli(*NS, "get", "pods", "-o", "json").out)["items"]}

    # ten minutes between steps: the update stays after its first step until it is cancelled
    engine.cli("apply", "-f", str(runnable("test1-1-1.json", tmp_path, gap=600)))
    engine.cli(*NS, "wait", "--for=jsonpath={.status.instances}=1", "app/test", "--timeout", "60")
    new_app = json.loads(engine.cli(*NS, "get", "mdeploy", "test", "-o", "json").out)["status"]["newApplication"]
    engine.cli(*NS, "wait", "--for=jsonpath={.status.runningInstances}=1", f"app/{new_app}", "--timeout", "60")

    engine.cli(*NS, "rollout", "pause", "mdeploy/test")
    engine.cli(*NS, "wait", "--for=jsonpath={.status.phase}=UpdatePaused", "mdeploy/test", "--timeout", "30")
    # as in the seed's `list -t app`: each version defines 2, one of each runs
    engine.cli(*NS, "wait", "--for=jsonpath={.status.runningInstances}=1", "app/test", "--timeout", "60")
    rows = sorted(r.split()[:4] for r in engine.cli(*NS, "get", "app").out.splitlines()[1:])
    assert rows == [["test", "RollingUpdate", "2", "1"], [new_app, "RollingUpdate", "2", "1"]]
    assert engine.cli(*NS, "get", "mdeploy").out.splitlines()[1].split() == ["test", "UpdatePaused", "defaultGroup", "test", new_app]
    # bcs-scheduler updates nothing while an update is in progress: refused at once
    refused = engine.cli("apply", "-f", str(runnable("test1-1-0.json", tmp_path)), check=False)
    assert refused.code == 1 and "deployment is not running, cannot update" in refused.err
    engine.cli(*NS, "rollout", "resume", "mdeploy/test")
    engine.cli(*NS, "wait", "--for=jsonpath={.status.phase}=Update", "mdeploy/test", "--timeout", "30")

    engine.cli(*NS, "rollout", "cancel", "mdeploy/test")
    engine.cli(*NS, "wait", "--for=delete", f"app/{new_app}", "--timeout", "60")
    engine.cli(*NS, "wait", "--for=jsonpath={.status.runningInstances}=2", "app/test", "--timeout", "60")
    d = json.loads(engine.cli(*NS, "get", "mdeploy", "test", "-o", "json").out)
    assert (d["status"]["phase"], d["status"]["application"]) == ("Running", "test")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":v1.1.0")
    assert [row.split()[0] for row in engine.cli(*NS, "get", "app").out.splitlines()[1:]] == ["test"]
    pods = json.loads(engine.cli(*NS, "get", "pods", "-o", "json").out)["items"]
    assert sorted(p["metadata"]["name"] for p in pods) == ["test-0", "test-1"]
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"hub.docker.com:xxxx/xxxxxx:v1.1.0"}
    assert all(p["status"]["containerStatuses"][0]["ready"] for p in pods)
    uids = {p["metadata"]["name"]: p["metadata"]["uid"] for p in pods}
    assert uids["test-0"] == old_uids["test-0"]  # never touched by the update
    assert uids["test-1"] != old_uids["test-1"]  # removed by the first step, started again by the cancel

    # an update without rollingOrder is refused with upstream's reason; an unknown key is warned about
    doc = json.loads(runnable("test1-1-1.json", tmp_path).read_text())
    del doc["spec"]["strategy"]["rollingupdate"]["rollingOrder"]
    (tmp_path / "unordered.json").write_text(json.dumps(doc))
    refused = engine.cli("apply", "-f", str(tmp_path / "unordered.json"), check=False)
    assert refused.code == 1 and "spec.strategy.rollingupdate.rollingOrder: Required value: update strategy rolling order error" in refused.err
    doc = json.loads(runnable("test1-1-0.json", tmp_path).read_text())
    doc["spec"]["strategy"]["rollingupdate"]["rollingManualy"] = True
    (tmp_path / "typo.json").write_text(json.dumps(doc))
    warned = engine.cli("apply", "-f", str(tmp_path / "typo.json"))
    assert 'unknown field "spec.strategy.rollingupdate.rollingManualy" (did you mean "rollingManually"?)' in warned.err
    assert json.loads(engine.cli(*NS, "get", "mdeploy", "test", "-o", "json").out)["status"]["application"] == "test"  # no update

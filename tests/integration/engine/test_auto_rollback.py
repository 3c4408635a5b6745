"""Automatic rollback on a real engine: an ordinary app (written in ``stuck_rollout``, not the demo
app) whose v2 never passes its readiness probe. With ``graceroll.io/auto-rollback: "true"`` the
Deployment is undone to v1 at its progress deadline, with the RolledBack condition and one
AutoRollback event, and v2 is not tried again."""

from __future__ import annotations

from pathlib import Path

from graceroll.controllers.deployment import autorollback

from .harness import Engine
from .stuck_rollout import MANIFEST, write_images

DEADLINE = 10


def test_a_version_that_never_becomes_ready_is_undone_at_its_deadline_and_never_retried(engine: Engine, tmp_path: Path) -> None:
    write_images(engine.data_dir)
    manifest = tmp_path / "web.yaml"
    manifest.write_text(
        MANIFEST.replace("metadata: {name: web}", 'metadata: {name: web, annotations: {graceroll.io/auto-rollback: "true"}}', 1).replace(
            "  replicas: 3\n", f"  replicas: 3\n  progressDeadlineSeconds: {DEADLINE}\n", 1
        )
    )
    engine.cli("apply", "-f", str(manifest))
    engine.cli("rollout", "status", "deployment/web", "--timeout", "90")
    stable = engine.get("deployment", "web")["metadata"]["annotations"][autorollback.STABLE_REVISION_ANNOTATION]
    engine.cli("set", "image", "deployment/web", "app=shop/web:v2")
    engine.cli("wait", f"--for=condition={autorollback.ROLLED_BACK}", "deployment/web", "--timeout=120s")
    engine.cli("rollout", "status", "deployment/web", "--timeout", "90")
    bad = [p["metadata"]["name"] for p in engine.get("pods")["items"] if p["spec"]["containers"][0]["image"] == "shop/web:v2"]
    if bad:  # the v2 pod stops with its grace period; every reconcile after that would have retried
        engine.cli("wait", "--for=delete", *(f"pod/{n}" for n in bad), "--timeout=60s")

    d = engine.get("deployment", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "shop/web:v1"
    assert d["metadata"]["annotations"][autorollback.STABLE_REVISION_ANNOTATION] == stable
    [rolled] = [c for c in d["status"]["conditions"] if c["type"] == autorollback.ROLLED_BACK]
    assert rolled["reason"] == "ProgressDeadlineExceeded" and "has timed out progressing" in rolled["message"]
    events = [e for e in engine.get("events")["items"] if e["reason"] == autorollback.AUTO_ROLLBACK]
    assert [(e["type"], e["involvedObject"]["name"], e["message"]) for e in events] == [("Warning", "web", rolled["message"])]
    assert {p["spec"]["containers"][0]["image"] for p in engine.get("pods")["items"]} == {"shop/web:v1"}
    history = engine.cli("rollout", "history", "deployment/web").out
    assert [line.split()[0] for line in history.splitlines()[2:] if line.strip()] == ["2", "3"]  # v2, then v1 again as revision 3

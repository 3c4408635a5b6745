"""Upstream vectors: kubernetes/kubernetes:pkg/controller/deployment/recreate_test.go TestOldPodsRunning."""

from __future__ import annotations

import pytest

from graceroll.controllers.deployment import recreate

from .builders import make_rs


def pod(phase: str) -> dict:
    return {"metadata": {"name": "p"}, "status": {"phase": phase}}


@pytest.mark.parametrize(
    "old, pods, running",
    [
        pytest.param([], {}, False, id="no old RSs"),
        pytest.param([(1, 1, "some-uid"), (1, 1, "other-uid")], {"some-uid": 2, "other-uid": 2}, True, id="old RSs with running pods"),
        pytest.param([(0, 1, "a")], {}, True, id="old RS reports a replica"),
        pytest.param([(0, 0, "a")], {}, False, id="old RS with nothing left"),
        pytest.param([(0, 0, "a")], {"a": ["Failed", "Succeeded"]}, False, id="only finished pods"),
        pytest.param([(0, 0, "a")], {"a": ["Unknown"]}, True, id="unknown counts as running"),
        pytest.param([(0, 0, "a")], {"a": ["Pending"]}, True, id="pending pod"),
        pytest.param([(0, 0, "a")], {"a": ["Running"]}, True, id="running pod"),
        pytest.param([(0, 0, "uid-1"), (0, 0, "uid-2"), (0, 0, "uid-3")], {"uid-1": ["Failed", "Succeeded"], "uid-2": [], "uid-3": ["Pending"]}, True, id="one pending pod among finished ones"),
    ],
)
def test_old_pods_running(old: list[tuple[int, int, str]], pods: dict, running: bool) -> None:
    rss = []
    for spec, status, uid in old:
        rs = make_rs(uid, spec, status_replicas=status)
        rs["metadata"]["uid"] = uid
        rss.append(rs)
    by_rs = {uid: [pod("Running")] * v if isinstance(v, int) else [pod(p) for p in v] for uid, v in pods.items()}
    assert recreate.old_pods_running(rss, by_rs) is running

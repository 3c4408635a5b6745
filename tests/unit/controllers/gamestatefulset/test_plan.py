"""The pure walk of one pass (``plan.plan``), on hand-made pods."""

from __future__ import annotations

from typing import Any

from graceroll.api.meta import CONTROLLER_REVISION_HASH
from graceroll.controllers.bcshook import runs as hookruns
from graceroll.controllers.gamestatefulset import plan
from graceroll.controllers.gamestatefulset.params import params_of

from .harness import gsts

Obj = dict[str, Any]
OLD, NEW = "gs-old", "gs-new"
TEMPLATES = {
    OLD: {"metadata": {"labels": {"app": "gs"}}, "spec": {"containers": [{"name": "main", "image": "app:v1"}]}},
    NEW: {"metadata": {"labels": {"app": "gs"}}, "spec": {"containers": [{"name": "main", "image": "app:v2"}]}},
}


def pod(ordinal: int, rev: str = OLD, phase: str = "Running", ready: bool = True, terminating: bool = False) -> Obj:
    md: Obj = {"name": f"gs-{ordinal}", "namespace": "default", "uid": f"u{ordinal}", "labels": {CONTROLLER_REVISION_HASH: rev}}
    if terminating:
        md["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {
        "metadata": md,
        "spec": {"containers": [{"name": "main", "image": "app:v1" if rev == OLD else "app:v2"}]},
        "status": {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]},
    }


def walk(pods: list[Obj], runs: list[Obj] | None = None, **kw: Any) -> list[str]:
    gs = gsts(**kw)
    gs["metadata"]["uid"] = "gs-uid"
    inputs = plan.Inputs(gs, params_of(gs), pods, OLD, NEW, TEMPLATES, runs or [], 0.0)
    out = []
    for a in plan.plan(inputs).actions:
        if isinstance(a, plan.Create):
            out.append(f"create {a.ordinal} {a.revision}")
        elif isinstance(a, plan.Delete):
            out.append(f"delete {a.pod['metadata']['name']} {a.reason}")
        elif isinstance(a, (plan.InPlace, plan.HotPatch, plan.Refuse, plan.FixIdentity)):
            out.append(f"{type(a).__name__} {a.pod['metadata']['name']}")
        elif isinstance(a, plan.StartHook):
            out.append(f"hook {a.hook_type} {a.pod['metadata']['name']} {','.join(a.modified)}")
    return [x for x in out if not x.startswith("FixIdentity")]


def test_ordered_ready_creates_the_lowest_missing_ordinal_only() -> None:
    assert walk([pod(0, NEW), pod(2, NEW)], replicas=3) == ["create 1 gs-new"]


def test_parallel_creates_every_missing_ordinal() -> None:
    assert walk([pod(1, NEW)], replicas=3, policy="Parallel") == ["create 0 gs-new", "create 2 gs-new"]


def test_new_pods_below_the_partition_get_the_current_revision() -> None:
    assert walk([], replicas=3, policy="Parallel", partition=2) == ["create 0 gs-old", "create 1 gs-old", "create 2 gs-new"]


def test_a_failed_pod_is_deleted_first() -> None:
    assert walk([pod(0, NEW, phase="Failed"), pod(1, NEW)], replicas=2) == ["delete gs-0 failed"]


def test_ordered_ready_waits_for_an_updated_pod_that_is_not_ready() -> None:
    pods = [pod(0), pod(1), pod(2, NEW, ready=False)]
    assert walk(pods, replicas=3) == []


def test_update_goes_from_the_highest_ordinal_down_to_the_partition() -> None:
    pods = [pod(o) for o in range(5)]
    assert walk(pods, partition=3) == ["InPlace gs-4"]
    assert walk(pods, partition=3, policy="Parallel", max_unavailable=5) == ["InPlace gs-4", "InPlace gs-3"]


def test_unavailable_pods_at_or_above_the_partition_use_up_the_budget() -> None:
    pods = [pod(0), pod(1), pod(2), pod(3, NEW, ready=False), pod(4)]
    assert walk(pods, policy="Parallel", max_unavailable=2) == ["InPlace gs-4"]
    assert walk(pods, policy="Parallel", max_unavailable=1) == []


def test_scale_in_goes_highest_first_and_ordered_ready_one_at_a_time() -> None:
    pods = [pod(o, NEW) for o in range(5)]
    assert walk(pods, replicas=3) == ["delete gs-4 scale-in"]
    assert walk(pods, replicas=3, policy="Parallel") == ["delete gs-4 scale-in", "delete gs-3 scale-in"]


def test_pre_delete_hook_gates_scale_in_and_rolling_update() -> None:
    hook = {"hook": {"templateName": "drain"}}
    pods = [pod(o, NEW) for o in range(4)]
    assert walk(pods, replicas=3, preDeleteUpdateStrategy=hook) == ["hook pre-delete-step gs-3 "]
    running = {"metadata": {"name": "r", "labels": hookruns.pod_labels(hookruns.PRE_DELETE, NEW, "3"), "resourceVersion": "1"}, "status": {"phase": "Running"}}
    assert walk(pods, [running], replicas=3, preDeleteUpdateStrategy=hook) == []
    done = dict(running, status={"phase": "Successful"})
    assert walk(pods, [done], replicas=3, preDeleteUpdateStrategy=hook) == ["delete gs-3 scale-in"]
    old = [pod(o) for o in range(3)]
    assert walk(old, replicas=3, type_="RollingUpdate", preDeleteUpdateStrategy=hook) == ["hook pre-delete-step gs-2 "]


def test_in_place_uses_the_pre_inplace_hook_else_the_pre_delete_one() -> None:
    pods = [pod(o) for o in range(3)]
    pre_delete = {"hook": {"templateName": "drain"}}
    pre_inplace = {"hook": {"templateName": "check"}}
    assert walk(pods, replicas=3, preDeleteUpdateStrategy=pre_delete) == ["hook pre-delete-step gs-2 "]
    assert walk(pods, replicas=3, preDeleteUpdateStrategy=pre_delete, preInplaceUpdateStrategy=pre_inplace) == [
        "hook pre-inplace-step gs-2 main"
    ]


def test_a_pod_that_is_not_running_skips_its_hook() -> None:
    pods = [pod(0), pod(1), pod(2, phase="Pending", ready=False)]
    assert walk(pods, replicas=3, policy="Parallel", max_unavailable=2, preInplaceUpdateStrategy={"hook": {"templateName": "check"}}) == ["InPlace gs-2"]


def test_hot_patch_updates_one_pod_per_pass_and_ignores_hooks() -> None:
    pods = [pod(o) for o in range(3)]
    hooks = {"preDeleteUpdateStrategy": {"hook": {"templateName": "drain"}}}
    assert walk(pods, replicas=3, type_="HotPatchUpdate", policy="Parallel", max_unavailable=3, **hooks) == ["HotPatch gs-2"]


def test_on_delete_never_updates() -> None:
    assert walk([pod(o) for o in range(3)], replicas=3, type_="OnDelete") == []


def test_surge_ordinals_exist_only_while_a_parallel_rollout_runs() -> None:
    pods = [pod(o) for o in range(3)]
    assert walk(pods, replicas=3, policy="Parallel", type_="RollingUpdate", max_surge=1, max_unavailable=1) == ["create 3 gs-new"]
    gs = gsts(replicas=3, policy="Parallel", type_="RollingUpdate", max_surge=1)
    assert plan.surge_count(plan.Inputs(gs, params_of(gs), pods, NEW, NEW, TEMPLATES, [], 0.0)) == 0

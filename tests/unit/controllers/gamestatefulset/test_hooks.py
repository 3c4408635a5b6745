"""PreDelete / PreInplace / PostInplace hooks on a GameStatefulSet."""

from __future__ import annotations

import json
from typing import Any

from graceroll.api.admission import admit
from graceroll.controllers.bcshook import runs as hookruns
from graceroll.controllers.hookrun.fetch import Response
from graceroll.printers.describe import describe

from .harness import GSCluster, gsts, web_template

Obj = dict[str, Any]


def ok(value: bool) -> Response:
    return Response(200, json.dumps({"ok": value}))


def images(c: GSCluster) -> list[str]:
    return [p["spec"]["containers"][0]["image"] for p in c.pods()]


def hooked(strategy: str = "preInplaceUpdateStrategy", **kw: Any) -> GSCluster:
    c = GSCluster()
    c.store.create(web_template("check"))
    c.store.create(gsts(policy="Parallel", max_unavailable=2, partition=3, **{strategy: {"hook": {"templateName": "check"}}}, **kw))
    assert c.run_until(lambda: c.snapshot().complete)
    return c


def test_a_failing_pre_inplace_hook_blocks_exactly_its_pod_until_retry() -> None:
    c = hooked()
    c.fetcher.respond("http://hook/gs-4", ok(True))
    c.fetcher.respond("http://hook/gs-3", ok(False))
    c.set_image("app:v2")
    c.advance(60)
    assert images(c) == ["app:v1"] * 4 + ["app:v2"]  # gs-4 went; gs-3 is held by its failed hook
    runs = {r["metadata"]["name"]: r["status"]["phase"] for r in c.runs()}
    old = c.pod(3)["metadata"]["labels"]["controller-revision-hash"]
    assert runs == {f"preinplace-{old}-3-check": "Failed"}  # gs-4's run went with its old revision
    assert c.pod(3)["metadata"]["annotations"][hookruns.DELETING_ANNOTATION] == "true"
    st = c.get()["status"]
    assert [(x["podName"], x["phase"]) for x in st["preInplaceHookCondition"]] == [("gs-3", "Failed")]
    text = describe(c.get(), [], c.clock.now())
    assert "PreInplace   gs-3               Failed" in text and "retry" in text
    c.fetcher.respond("http://hook/gs-3", ok(True))  # the cause is fixed: still blocked, nothing re-runs it
    c.advance(60)
    assert images(c)[3] == "app:v1"
    c.change(lambda gs: gs["spec"]["preInplaceUpdateStrategy"].update(retry=True))
    assert c.run_until(lambda: c.snapshot().complete)
    assert images(c) == ["app:v1"] * 3 + ["app:v2"] * 2
    assert c.get()["spec"]["preInplaceUpdateStrategy"]["retry"] is False  # a one-shot trigger
    assert "preInplaceHookCondition" not in c.get()["status"]
    assert c.events("RetryHookRun") == [f"delete Failed HookRun preinplace-{old}-3-check to retry it"]


def test_the_pre_delete_hook_guards_in_place_updates_when_there_is_no_pre_inplace_hook() -> None:
    c = hooked("preDeleteUpdateStrategy")
    c.fetcher.respond("http://hook/gs-4", ok(False))
    c.fetcher.respond("http://hook/gs-3", ok(True))
    c.set_image("app:v2")
    c.advance(30)
    assert images(c) == ["app:v1"] * 3 + ["app:v2", "app:v1"]
    assert [r["metadata"]["labels"][hookruns.TYPE_LABEL] for r in c.runs()] == ["pre-delete-step"]


def test_a_hook_that_cannot_be_reached_ends_in_error_and_holds_its_pod_until_retry() -> None:
    """A refused connection is an Error measurement that counts: the run ends Error (count 1), the
    pod stays on its old revision, and ``retry`` after the endpoint is back lets it through."""
    c = hooked()
    c.set_image("app:v2")
    c.advance(35)
    assert images(c) == ["app:v1"] * 5
    assert sorted(r["status"]["phase"] for r in c.runs()) == ["Error", "Error"]
    st = c.get()["status"]
    assert sorted((x["podName"], x["phase"]) for x in st["preInplaceHookCondition"]) == [("gs-3", "Error"), ("gs-4", "Error")]
    c.fetcher.respond("http://hook/gs-4", ok(True))
    c.fetcher.respond("http://hook/gs-3", ok(True))
    c.change(lambda gs: gs["spec"]["preInplaceUpdateStrategy"].update(retry=True))
    assert c.run_until(lambda: c.snapshot().complete)
    assert images(c) == ["app:v1"] * 3 + ["app:v2"] * 2


def test_pre_delete_hook_gates_scale_in() -> None:
    c = hooked("preDeleteUpdateStrategy")
    c.fetcher.respond("http://hook/gs-4", ok(False))
    c.change(lambda gs: gs["spec"].update(replicas=4))
    c.advance(30)
    assert len(c.pods()) == 5 and c.get()["status"]["preDeleteHookCondition"][0]["podName"] == "gs-4"
    c.fetcher.respond("http://hook/gs-4", ok(True))
    c.change(lambda gs: gs["spec"]["preDeleteUpdateStrategy"].update(retry=True))
    assert c.run_until(lambda: c.snapshot().complete)
    assert len(c.pods()) == 4


def test_post_inplace_hook_runs_after_the_update_and_is_removed_once_successful() -> None:
    c = hooked("postInplaceUpdateStrategy")
    c.fetcher.respond("http://hook/gs-4", ok(True))
    c.fetcher.respond("http://hook/gs-3", ok(False))
    c.set_image("app:v2")
    assert c.run_until(lambda: c.snapshot().complete)  # never blocks
    new = c.get()["status"]["updateRevision"]
    assert [r["metadata"]["name"] for r in c.runs()] == [f"postinplace-{new}-3-check"]
    assert [(x["podName"], x["phase"]) for x in c.get()["status"]["postInplaceHookCondition"]] == [("gs-3", "Failed")]


def test_a_missing_template_is_reported_and_the_pod_waits() -> None:
    c = GSCluster()
    c.store.create(gsts(preInplaceUpdateStrategy={"hook": {"templateName": "absent"}}))
    assert c.run_until(lambda: c.snapshot().complete)
    c.set_image("app:v2")
    c.advance(10)
    assert images(c) == ["app:v1"] * 5
    assert c.events("FailedCreateHookRun")[0] == 'HookTemplate "absent" not found'


def test_hook_args_are_merged_with_the_automatic_ones() -> None:
    c = GSCluster()
    template = web_template("check", url="http://{{ args.svc }}/{{ args.PodName }}")
    template["spec"]["args"].append({"name": "svc"})
    c.store.create(admit(template))
    hook = {"hook": {"templateName": "check", "args": [{"name": "svc", "value": "game"}, {"name": "extra", "value": "x"}]}}
    c.store.create(gsts(preInplaceUpdateStrategy=hook))
    assert c.run_until(lambda: c.snapshot().complete)
    c.fetcher.respond("http://game/gs-4", ok(True))
    c.set_image("app:v2")
    c.advance(1)
    assert "http://game/gs-4" in c.fetcher.requests
    args = {a["name"] for a in c.store.list("HookRun")[0]["spec"]["args"]}
    # declared args filled in; undeclared ones kept only when named after an automatic arg ("extra" is dropped)
    assert args == {"PodName", "svc", "PodNamespace", "PodIP", "HostIP", "PodContainer[0]", "ModifiedContainer[0]"}


def test_a_template_arg_left_without_a_value_blocks_the_run() -> None:
    c = GSCluster()
    template = web_template("check")
    template["spec"]["args"].append({"name": "svc"})
    c.store.create(admit(template))
    c.store.create(gsts(preInplaceUpdateStrategy={"hook": {"templateName": "check"}}))
    assert c.run_until(lambda: c.snapshot().complete)
    c.set_image("app:v2")
    c.advance(10)
    assert images(c) == ["app:v1"] * 5 and c.store.list("HookRun") == []
    assert c.events("FailedCreateHookRun")[0].endswith("args.svc was not resolved")

"""``rollout pause|resume|restart|undo|history|status`` against a MemoryStore (ReplicaSets made directly)."""

from __future__ import annotations

import pytest

from graceroll.api.meta import Obj, clone
from graceroll.clock import VirtualClock
from graceroll.errors import NotFound, UsageError
from graceroll.store.memory import MemoryStore
from graceroll.verbs import rollout

from .builders import container, create, manifest, revision_rs, with_status

ANNOTATIONS = "deployment.kubernetes.io/revision"


def deployment(store: MemoryStore, image: str = "web:2", **spec: object) -> Obj:
    return create(store, manifest("web", container(image=image), **spec))


def rv(store: MemoryStore) -> int:
    return store.resource_version


# ---- pause / resume ------------------------------------------------------------------------------
def test_pause_sets_spec_paused(store: MemoryStore) -> None:
    deployment(store)
    assert rollout.pause(store, "deployment", "web") == "deployment.apps/web paused"
    assert store.get("Deployment", "default", "web")["spec"]["paused"] is True


def test_pause_twice_is_refused_with_kubectls_message(store: MemoryStore) -> None:
    deployment(store, paused=True)
    with pytest.raises(UsageError, match=r'^deployments\.apps "web" is already paused$'):
        rollout.pause(store, "deploy", "web")


def test_resume_clears_spec_paused(store: MemoryStore) -> None:
    deployment(store, paused=True)
    assert rollout.resume(store, "deployments", "web") == "deployment.apps/web resumed"
    assert store.get("Deployment", "default", "web")["spec"]["paused"] is False


def test_resume_of_a_running_deployment_is_refused(store: MemoryStore) -> None:
    deployment(store)
    with pytest.raises(UsageError, match=r'^deployments\.apps "web" is not paused$'):
        rollout.resume(store, "deploy", "web")


@pytest.mark.parametrize(
    ("verb", "message"),
    [
        pytest.param(rollout.pause, 'no pauser has been implemented for "ReplicaSet"', id="pause"),
        pytest.param(rollout.resume, 'no resumer has been implemented for "ReplicaSet"', id="resume"),
        pytest.param(rollout.undo, 'no rollbacker has been implemented for "ReplicaSet"', id="undo"),
        pytest.param(rollout.history, 'no history viewer has been implemented for "ReplicaSet"', id="history"),
        pytest.param(rollout.status, 'no status viewer has been implemented for "ReplicaSet"', id="status"),
    ],
)
def test_rollout_verbs_refuse_kinds_without_rollouts(store: MemoryStore, verb: object, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        verb(store, "rs", "web")  # type: ignore[operator]


def test_rollout_of_a_missing_deployment_is_not_found(store: MemoryStore) -> None:
    with pytest.raises(NotFound, match=r'^deployments\.apps "nope" not found$'):
        rollout.pause(store, "deploy", "nope")


# ---- restart -------------------------------------------------------------------------------------
def test_restart_stamps_the_template_with_the_clock_time(store: MemoryStore, clock: VirtualClock) -> None:
    deployment(store)
    clock.advance_to(clock.now() + 61.75)
    assert rollout.restart(store, "deploy", "web", clock=clock) == "deployment.apps/web restarted"
    template = store.get("Deployment", "default", "web")["spec"]["template"]
    assert template["metadata"]["annotations"] == {"kubectl.kubernetes.io/restartedAt": "2026-01-01T00:01:01Z"}


def test_restart_of_a_paused_deployment_is_refused(store: MemoryStore, clock: VirtualClock) -> None:
    deployment(store, paused=True)
    with pytest.raises(UsageError, match=r"can't restart paused deployment \(run rollout resume first\)$"):
        rollout.restart(store, "deploy", "web", clock=clock)


def test_restart_twice_within_a_second_is_refused_and_works_a_second_later(store: MemoryStore, clock: VirtualClock) -> None:
    deployment(store)
    rollout.restart(store, "deploy", "web", clock=clock)
    clock.advance_to(clock.now() + 0.5)
    with pytest.raises(UsageError, match="if restart has already been triggered within the past second"):
        rollout.restart(store, "deploy", "web", clock=clock)
    clock.advance_to(clock.now() + 0.5)
    assert rollout.restart(store, "deploy", "web", clock=clock) == "deployment.apps/web restarted"


# ---- undo ----------------------------------------------------------------------------------------
def history_of_two(store: MemoryStore, **d_annotations: str) -> Obj:
    """web at revision 2 (image web:2) with revision 1 (web:1) behind it."""
    d = deployment(store)
    revision_rs(store, d, "1", "web:1", change_cause="first", annotations={"deployment.kubernetes.io/desired-replicas": "3"})
    revision_rs(store, d, "2", "web:2", change_cause="second")
    new = clone(d)
    new["metadata"]["annotations"] = {ANNOTATIONS: "2", **d_annotations}
    return store.update_status(new)


@pytest.mark.parametrize("to_revision", [pytest.param(0, id="to the previous revision"), pytest.param(1, id="to revision 1 by number")])
def test_undo_restores_the_old_template(store: MemoryStore, to_revision: int) -> None:
    history_of_two(store)
    assert rollout.undo(store, "deploy", "web", to_revision) == "deployment.apps/web rolled back"
    d = store.get("Deployment", "default", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "web:1"
    assert d["spec"]["template"]["metadata"]["labels"] == {"app": "web"}  # no pod-template-hash


def test_undo_rebuilds_annotations_from_the_skip_list_and_the_replica_set(store: MemoryStore) -> None:
    history_of_two(store, team="blue", **{"kubernetes.io/change-cause": "second"})
    rollout.undo(store, "deploy", "web")
    annotations = store.get("Deployment", "default", "web")["metadata"]["annotations"]
    # skip-listed keys stay the Deployment's; every other key comes from the ReplicaSet (team is gone)
    assert annotations == {ANNOTATIONS: "2", "kubernetes.io/change-cause": "first"}


def test_undo_to_the_running_revision_is_skipped_without_a_write(store: MemoryStore) -> None:
    history_of_two(store)
    before = rv(store)
    message = rollout.undo(store, "deploy", "web", 2)
    assert message == "deployment.apps/web skipped rollback (current template already matches revision 2)"
    assert rv(store) == before


@pytest.mark.parametrize(
    ("to_revision", "error"),
    [
        pytest.param(5, r"^unable to find specified revision 5 in history$", id="a revision that does not exist"),
        pytest.param(-1, r"^unable to find specified revision -1 in history$", id="a negative revision"),
    ],
)
def test_undo_to_an_unknown_revision_fails(store: MemoryStore, to_revision: int, error: str) -> None:
    history_of_two(store)
    with pytest.raises(UsageError, match=error):
        rollout.undo(store, "deploy", "web", to_revision)


def test_undo_without_an_earlier_revision_has_no_history(store: MemoryStore) -> None:
    d = deployment(store)
    revision_rs(store, d, "1", "web:2")
    with pytest.raises(UsageError, match=r'^no rollout history found for deployment "web"$'):
        rollout.undo(store, "deploy", "web")


def test_undo_skips_replica_sets_with_an_unreadable_revision(store: MemoryStore) -> None:
    d = deployment(store)
    revision_rs(store, d, "oops", "web:0")
    revision_rs(store, d, "1", "web:2")
    with pytest.raises(UsageError, match="no rollout history found"):
        rollout.undo(store, "deploy", "web")


def test_undo_of_a_paused_deployment_is_refused(store: MemoryStore) -> None:
    d = history_of_two(store)
    paused = clone(d)
    paused["spec"]["paused"] = True
    store.update(paused)
    with pytest.raises(UsageError, match=r"^you cannot rollback a paused deployment; resume it first with 'kubectl rollout resume deployment/web' and try again$"):
        rollout.undo(store, "deploy", "web")


def test_undo_ignores_replica_sets_the_deployment_does_not_control(store: MemoryStore) -> None:
    d = deployment(store)
    revision_rs(store, d, "2", "web:2")
    stranger = revision_rs(store, d, "1", "web:1", name="stranger")
    orphan = clone(stranger)
    orphan["metadata"]["ownerReferences"] = []
    store.update(orphan)
    with pytest.raises(UsageError, match="no rollout history found"):
        rollout.undo(store, "deploy", "web")


# ---- history -------------------------------------------------------------------------------------
def moons(store: MemoryStore) -> None:
    """kubernetes/kubectl:pkg/polymorphichelpers/history_test.go TestDeploymentHistoryViewer: moons-1..4."""
    d = create(store, {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "moons"},
        "spec": {
            "selector": {"matchLabels": {"foo": "bar"}},
            "template": {"metadata": {"labels": {"foo": "bar"}}, "spec": {"containers": [{"name": "test", "image": "foo:4"}]}},
        },
    })
    causes = {3: "foo change cause", 4: "bar change cause"}
    for i in range(1, 5):
        revision_rs(store, d, str(i), f"foo:{i}", change_cause=causes.get(i), hash_label=False, name=f"moons-{i}")


def test_history_lists_revisions_with_their_change_cause(store: MemoryStore) -> None:
    # kubernetes/kubectl:pkg/polymorphichelpers/history_test.go "should show revisions list if the revision is not specified"
    moons(store)
    assert rollout.history(store, "deployment", "moons") == (
        "deployment.apps/moons \n"
        "REVISION  CHANGE-CAUSE\n"
        "1         <none>\n"
        "2         <none>\n"
        "3         foo change cause\n"
        "4         bar change cause\n"
    )


def test_history_of_one_revision_describes_its_pod_template(store: MemoryStore) -> None:
    # kubernetes/kubectl:pkg/polymorphichelpers/history_test.go "should describe a single revision"
    moons(store)
    assert rollout.history(store, "deployment", "moons", 3) == (
        "deployment.apps/moons with revision #3\n"
        "Pod Template:\n"
        "  Labels:\tfoo=bar\n"
        "  Annotations:\tkubernetes.io/change-cause: foo change cause\n"
        "  Containers:\n"
        "   test:\n"
        "    Image:\tfoo:3\n"
        "    Port:\t<none>\n"
        "    Host Port:\t<none>\n"
        "    Environment:\t<none>\n"
        "    Mounts:\t<none>\n"
        "  Volumes:\t<none>\n"
    )


def test_history_of_a_missing_revision_fails(store: MemoryStore) -> None:
    moons(store)
    with pytest.raises(UsageError, match=r"^unable to find the specified revision$"):
        rollout.history(store, "deployment", "moons", 9)


def test_history_refuses_a_negative_revision(store: MemoryStore) -> None:
    moons(store)
    with pytest.raises(UsageError, match=r"^revision must be a positive integer: -2$"):
        rollout.history(store, "deployment", "moons", -2)


def test_history_without_replica_sets_says_so(store: MemoryStore) -> None:
    deployment(store)
    assert rollout.history(store, "deploy", "web") == "deployment.apps/web \nNo rollout history found."


def test_tabulate_pads_the_first_column_like_gos_tabwriter() -> None:
    assert rollout.tabulate([("REVISION", "CHANGE-CAUSE"), ("10", "x")]) == "REVISION  CHANGE-CAUSE\n10        x\n"


# ---- status --------------------------------------------------------------------------------------
def test_status_reads_the_stored_deployment(store: MemoryStore) -> None:
    d = deployment(store, replicas=2)
    with_status(store, d, observedGeneration=1, replicas=2, updatedReplicas=2, availableReplicas=2)
    assert rollout.status(store, "deploy", "web") == ('deployment "web" successfully rolled out', True)

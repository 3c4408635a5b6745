"""An application keeps ``spec.instance`` taskgroups (pods ``<application>-<index>``).

Scale-up starts the missing indices from the lowest; scale-down removes the highest indices (those
≥ the new count), as bcs-scheduler does. An index whose previous pod is still stopping waits for
it to be gone. Status: ``instances`` (pods that exist and are not stopping), ``runningInstances``
(of those, the ready ones), ``defineInstances`` (what its version defines: ``spec.instance``, or
during an update the deployment's ``define-instances`` annotation, upstream's ``DefineInstances``),
``status`` (``Running`` once every instance runs; ``Abnormal`` when a taskgroup cannot be placed,
or when every taskgroup exists but one fails; else ``Deploying``; ``RollingUpdate`` with
``subStatus`` ``RollingUpdateDown``/``RollingUpdateUp`` while its deployment rolls from it or to
it), ``message`` (why: ``have not enough resources to launch application``, ``application is
abnormal``).
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.api.bcs_mesos import API_VERSION
from graceroll.api.meta import Obj, clone, controller_ref
from graceroll.clock import Clock
from graceroll.controllers import podutil
from graceroll.controllers.events import EventRecorder
from graceroll.controllers.mesos import APPLICATION_LABEL, DEFINE_ANNOTATION, INDEX_LABEL, ROLLING_ANNOTATION
from graceroll.controllers.mesos.placement import (
    DEFAULT_NODES,
    NOT_ENOUGH_RESOURCES,
    Node,
    place,
    unique_attributes,
)
from graceroll.controllers.mesos.taskgroup import pod_spec
from graceroll.controllers.runtime import Key, Result, own_or_controller_key
from graceroll.errors import AlreadyExists, NotFound
from graceroll.store.base import Store, WatchEvent

KIND = "Application"
ABNORMAL = "application is abnormal"
NODE_ANNOTATION = "mesos.bcs.tencent.com/node"  # "<name> <innerIP>" of the node the taskgroup was placed on


def index_of(pod: Obj) -> int:
    return int((pod["metadata"].get("labels") or {}).get(INDEX_LABEL, "-1"))


def node_of(pod: Obj) -> Node | None:
    name, _, ip = ((pod["metadata"].get("annotations") or {}).get(NODE_ANNOTATION) or "").partition(" ")
    return Node(name, ip) if name else None


def summarize(want: int, defined: int, kept: list[Obj], message: str, rolling: str | None) -> Obj:
    """An application's status from the taskgroups it keeps; ``message`` says why one could not be placed.

    ``Abnormal`` (bcs-scheduler's word): upstream's launch ends with fewer taskgroups than defined
    ("have not enough resources to launch application"), or every taskgroup exists but one failed
    or restarts without running. An update may start from it, as from ``Running``.
    """
    running = sum(1 for p in kept if podutil.is_ready(p))
    failing = any(not podutil.is_ready(p) and (podutil.phase(p) == "Failed" or podutil.restart_count(p) > 0) for p in kept)
    if running == want and len(kept) == want:
        state = "Running"
    elif message or (len(kept) == want and failing):
        state, message = "Abnormal", message or ABNORMAL
    else:
        state = "Deploying"
    status: Obj = {"instances": len(kept), "runningInstances": running, "defineInstances": defined, "status": state, "message": message}
    if rolling:
        status |= {"status": "RollingUpdate", "subStatus": rolling}
    return status


class ApplicationController:
    name = "mesos-application"

    def __init__(self, store: Store, clock: Clock, nodes: tuple[Node, ...] = DEFAULT_NODES) -> None:
        self.store = store
        self.clock = clock
        self.nodes = nodes
        self.events = EventRecorder(store, clock, "bcs-scheduler")

    def all_keys(self) -> list[Key]:
        return [(a["metadata"]["namespace"], a["metadata"]["name"]) for a in self.store.list(KIND)]

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        return own_or_controller_key(event, KIND)

    def reconcile(self, key: Key) -> Result:
        app = self.store.try_get(KIND, *key)
        if app is None or app["metadata"].get("deletionTimestamp"):
            return Result()
        uid = app["metadata"]["uid"]
        pods = [p for p in self.store.list_owned("Pod", uid) if (controller_ref(p) or {}).get("uid") == uid]
        want = int(app["spec"]["instance"])
        active = {index_of(p): p for p in pods if podutil.is_active(p)}
        taken = {index_of(p) for p in pods}
        for index, pod in sorted(active.items(), reverse=True):
            if index >= want:
                self._delete(pod)
        attributes = unique_attributes(app["spec"].get("constraint"))
        placed = [n for p in pods if podutil.phase(p) not in ("Succeeded", "Failed") and (n := node_of(p)) is not None]
        message = ""
        for index in range(want):
            if index in taken:
                continue
            node = place(self.nodes, placed, attributes)
            if node is None:
                message = NOT_ENOUGH_RESOURCES
                continue
            self._create(app, index, node)
            placed.append(node)
        kept = [p for i, p in active.items() if i < want]
        annotations = app["metadata"].get("annotations") or {}
        defined = int(annotations.get(DEFINE_ANNOTATION, want))
        status = summarize(want, defined, kept, message, annotations.get(ROLLING_ANNOTATION))
        if app.get("status") != status:
            new = clone(app)
            new["status"] = status
            self.store.update_status(new)
        return Result()

    def _create(self, app: Obj, index: int, node: Node) -> None:
        md = app["metadata"]
        labels = dict((app["spec"]["template"].get("metadata") or {}).get("labels") or {})
        labels.update({APPLICATION_LABEL: md["name"], INDEX_LABEL: str(index)})
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": f"{md['name']}-{index}",
                "namespace": md["namespace"],
                "labels": labels,
                "annotations": {
                    "mesos.bcs.tencent.com/taskgroup-id": f"{index}.{md['name']}.{md['namespace']}.local.{int(self.clock.now())}",
                    NODE_ANNOTATION: f"{node.name} {node.inner_ip}",
                },
                "ownerReferences": [
                    {"apiVersion": API_VERSION, "kind": KIND, "name": md["name"], "uid": md["uid"], "controller": True, "blockOwnerDeletion": True}
                ],
            },
            "spec": pod_spec(app["spec"]["template"], app["spec"].get("killPolicy")),
        }
        try:
            self.store.create(pod)
        except AlreadyExists:
            return  # its predecessor is still stopping; the deletion event brings us back
        self.events.record(app, "Normal", "LaunchTaskGroup", f"launch taskgroup {index} of application {md['name']}")

    def _delete(self, pod: Obj) -> None:
        try:
            self.store.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
        except NotFound:
            pass

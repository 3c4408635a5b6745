"""HotPatchUpdate on one pod: new images in the spec, the container keeps running.

Upstream ``kubernetes/common/update/hotpatchupdate``: the revision label,
the ``hotpatch-update-state`` annotation (same JSON as ``inplace-update-state``), the images and
template metadata, and ``io.kubernetes.hotpatch.container: "true"``, which tells BCS's patched
kubelet to swap the image under the running container instead of restarting it. No readiness
flip, no grace period, no hooks. Both graceroll nodes honour the annotation (restartCount stays
0): the simulated node swaps the image in the status; the engine keeps the process, rewrites
``$GRACEROLL_IMAGE_FILE`` and sends SIGHUP so the app can reload (``node.process.hotpatch``,
docs/bcs.md).
"""

from __future__ import annotations

import json
from typing import Any

from graceroll.api.meta import CONTROLLER_REVISION_HASH, clone
from graceroll.clock import format_time
from graceroll.controllers.inplace.spec import UpdateSpec, apply_metadata_patch

Obj = dict[str, Any]

STATE_ANNOTATION = "hotpatch-update-state"
HOTPATCH_ANNOTATION = "io.kubernetes.hotpatch.container"


def patched(pod: Obj, spec: UpdateSpec, now: float) -> Obj:
    new = clone(pod)
    new.pop("status", None)
    md = new["metadata"]
    md.setdefault("labels", {})[CONTROLLER_REVISION_HASH] = spec.revision
    last = {
        cs["name"]: {"imageID": cs.get("imageID", "")}
        for cs in (pod.get("status") or {}).get("containerStatuses") or ()
        if cs.get("name") in spec.container_images
    }
    for c in new["spec"].get("containers") or ():
        if c.get("name") in spec.container_images:
            c["image"] = spec.container_images[c["name"]]
    apply_metadata_patch(md, spec.meta_data_patch)
    state = {"revision": spec.revision, "updateTimestamp": format_time(now), "lastContainerStatuses": last}
    ann = md.setdefault("annotations", {})
    ann[STATE_ANNOTATION] = json.dumps(state, separators=(",", ":"))
    ann[HOTPATCH_ANNOTATION] = "true"
    return new

"""Pure helpers of the Deployment controller (upstream ``deployment/util/deployment_util.go``).

Everything here takes plain objects (Kubernetes-shaped dicts) and numbers and returns values;
nothing reads a store or a clock, so the upstream test vectors run against these directly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from graceroll.api.intstr import IntOrStr, IntOrStrError, round_half_away, scaled_value
from graceroll.api.meta import Obj
from graceroll.clock import parse_time
from graceroll.controllers.history import fnv1a_32, safe_encode

REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO_ANNOTATION = "deprecated.deployment.rollback.to"
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
CHANGE_CAUSE_ANNOTATION = "kubernetes.io/change-cause"
RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt"
POD_TEMPLATE_HASH_LABEL = "pod-template-hash"
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000
MAX_INT32 = 2147483647
STABLE_REVISION_ANNOTATION = "graceroll.io/stable-revision"  # graceroll's record (deployment/autorollback.py)

# upstream's list, plus graceroll's own record of the stable revision: it describes the
# Deployment, not a revision, so it is not copied to ReplicaSets and an undo keeps it
ANNOTATIONS_TO_SKIP = frozenset(
    {
        LAST_APPLIED_ANNOTATION,
        REVISION_ANNOTATION,
        REVISION_HISTORY_ANNOTATION,
        DESIRED_REPLICAS_ANNOTATION,
        MAX_REPLICAS_ANNOTATION,
        ROLLBACK_TO_ANNOTATION,
        STABLE_REVISION_ANNOTATION,
    }
)


# ---- small accessors ---------------------------------------------------------------------------
def spec_replicas(obj: Obj | None) -> int:
    if obj is None:
        return 0
    r = (obj.get("spec") or {}).get("replicas")
    return 1 if r is None else int(r)


def status_field(obj: Obj | None, field: str) -> int:
    if obj is None:
        return 0
    return int((obj.get("status") or {}).get(field) or 0)


def annotation(obj: Obj, key: str) -> str | None:
    v = (obj["metadata"].get("annotations") or {}).get(key)
    return None if v is None else str(v)


def is_rolling(d: Obj) -> bool:
    return bool((d["spec"].get("strategy") or {}).get("type", "RollingUpdate") == "RollingUpdate")


def _rolling_params(d: Obj) -> tuple[IntOrStr | None, IntOrStr | None]:
    ru = (d["spec"].get("strategy") or {}).get("rollingUpdate") or {}
    return ru.get("maxSurge"), ru.get("maxUnavailable")


# ---- arithmetic (§3) ---------------------------------------------------------------------------
def resolve_fenceposts(max_surge: IntOrStr | None, max_unavailable: IntOrStr | None, desired: int) -> tuple[int, int]:
    """Absolute (surge, unavailable); both zero would stall a rollout, so unavailable becomes 1."""
    surge = scaled_value(0 if max_surge is None else max_surge, desired, True)
    unavailable = scaled_value(0 if max_unavailable is None else max_unavailable, desired, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def max_surge(d: Obj) -> int:
    if not is_rolling(d):
        return 0
    try:
        return resolve_fenceposts(*_rolling_params(d), spec_replicas(d))[0]
    except IntOrStrError:
        return 0


def max_unavailable(d: Obj) -> int:
    replicas = spec_replicas(d)
    if not is_rolling(d) or replicas == 0:
        return 0
    try:
        unavailable = resolve_fenceposts(*_rolling_params(d), replicas)[1]
    except IntOrStrError:
        return 0
    return min(unavailable, replicas)


def min_available(d: Obj) -> int:
    if not is_rolling(d):
        return 0
    return spec_replicas(d) - max_unavailable(d)


def new_rs_new_replicas(d: Obj, all_rss: Iterable[Obj | None], new_rs: Obj) -> int:
    """How large the new ReplicaSet may be now (NewRSNewReplicas)."""
    if not is_rolling(d):
        return spec_replicas(d)
    surge = scaled_value(_rolling_params(d)[0] or 0, spec_replicas(d), True)
    current = sum(spec_replicas(rs) for rs in all_rss if rs is not None)
    max_total = spec_replicas(d) + surge
    if current >= max_total:
        return spec_replicas(new_rs)
    scale_up = min(max_total - current, spec_replicas(d) - spec_replicas(new_rs))
    return spec_replicas(new_rs) + scale_up


def parse_nonneg_int32(value: str | None) -> int | None:
    """The annotation parser: decimal, 0..2147483647; anything else counts as missing."""
    if value is None or not value.isdigit() or not value.isascii():
        return None
    n = int(value)
    return n if n <= MAX_INT32 else None


def is_saturated(d: Obj, rs: Obj | None) -> bool:
    if rs is None:
        return False
    desired = parse_nonneg_int32(annotation(rs, DESIRED_REPLICAS_ANNOTATION))
    if desired is None:
        return False
    r = spec_replicas(d)
    return spec_replicas(rs) == r and desired == r and status_field(rs, "availableReplicas") == r


# ---- revisions and annotations (§6) ------------------------------------------------------------
def revision(obj: Obj) -> int:
    """The revision annotation as a number; missing or unparseable counts as 0."""
    v = annotation(obj, REVISION_ANNOTATION)
    try:
        return int(v) if v else 0
    except ValueError:
        return 0


def max_revision(rss: Iterable[Obj]) -> int:
    return max((revision(rs) for rs in rss), default=0)


def last_revision(rss: Iterable[Obj]) -> int:
    """The second-highest revision (the one before the running one)."""
    top, second = 0, 0
    for rs in rss:
        v = revision(rs)
        if v >= top:
            top, second = v, top
        elif v > second:
            second = v
    return second


def set_new_replica_set_annotations(
    d: Obj, rs: Obj, new_revision: str, exists: bool, limit: int = MAX_REV_HISTORY_LENGTH_IN_CHARS
) -> bool:
    """Mutates ``rs`` (a clone): copy deployment annotations, bump revision, keep history."""
    md = rs["metadata"]
    rs_ann: dict[str, str] = md.setdefault("annotations", {})
    changed = False
    for k, v in (d["metadata"].get("annotations") or {}).items():
        if k in ANNOTATIONS_TO_SKIP:
            continue
        if rs_ann.get(k) != v:
            rs_ann[k] = v
            changed = True
    old_text = rs_ann.get(REVISION_ANNOTATION, "")
    try:
        old = int(old_text) if old_text else 0
    except ValueError:
        return False
    new = int(new_revision)
    if old < new:
        rs_ann[REVISION_ANNOTATION] = new_revision
        changed = True
        if old_text:
            history = rs_ann.get(REVISION_HISTORY_ANNOTATION, "")
            if not history:
                rs_ann[REVISION_HISTORY_ANNOTATION] = old_text
            else:
                parts = history.split(",")
                while parts and len(",".join(parts)) + len(old_text) + 1 > limit:
                    parts.pop(0)
                joined = ",".join(parts + [old_text]) if parts else old_text
                if len(joined) <= limit:
                    rs_ann[REVISION_HISTORY_ANNOTATION] = joined
    if not exists and set_replicas_annotations(rs, spec_replicas(d), spec_replicas(d) + max_surge(d)):
        changed = True
    return changed


def replicas_annotations_need_update(rs: Obj, desired: int, max_replicas: int) -> bool:
    ann = rs["metadata"].get("annotations")
    if ann is None:
        return True
    return bool(ann.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or ann.get(MAX_REPLICAS_ANNOTATION) != str(max_replicas))


def set_replicas_annotations(rs: Obj, desired: int, max_replicas: int) -> bool:
    ann = rs["metadata"].setdefault("annotations", {})
    changed = False
    for k, v in ((DESIRED_REPLICAS_ANNOTATION, str(desired)), (MAX_REPLICAS_ANNOTATION, str(max_replicas))):
        if ann.get(k) != v:
            ann[k] = v
            changed = True
    return changed


def deployment_annotations_from(d_annotations: dict[str, str], rs_annotations: dict[str, str]) -> dict[str, str]:
    """SetDeploymentAnnotationsTo / the undo patch: our skip-listed keys + every other RS key."""
    kept = {k: v for k, v in d_annotations.items() if k in ANNOTATIONS_TO_SKIP}
    kept.update({k: v for k, v in rs_annotations.items() if k not in ANNOTATIONS_TO_SKIP})
    return kept


# ---- classification (§4) -----------------------------------------------------------------------
def creation_key(rs: Obj) -> tuple[float, str]:
    """Creation time, then name (timestamps compared as instants: fractional seconds vary in length)."""
    ts = rs["metadata"].get("creationTimestamp")
    return (parse_time(ts) if ts else 0.0, rs["metadata"]["name"])


def _without_hash(template: Obj) -> Obj:
    md = dict(template.get("metadata") or {})
    labels = dict(md.get("labels") or {})
    labels.pop(POD_TEMPLATE_HASH_LABEL, None)
    if labels:
        md["labels"] = labels
    else:
        md.pop("labels", None)
    out = dict(template)
    if md:
        out["metadata"] = md
    else:
        out.pop("metadata", None)
    return out


def equal_ignore_hash(t1: Obj, t2: Obj) -> bool:
    """Templates equal apart from the pod-template-hash label."""
    return _without_hash(t1) == _without_hash(t2)


def find_new_replica_set(d: Obj, rss: Iterable[Obj]) -> Obj | None:
    """The oldest ReplicaSet whose template equals the Deployment's."""
    template = d["spec"]["template"]
    for rs in sorted(rss, key=creation_key):
        if equal_ignore_hash(rs["spec"]["template"], template):
            return rs
    return None


def find_old_replica_sets(d: Obj, rss: list[Obj]) -> tuple[list[Obj], list[Obj]]:
    """(required = old with replicas > 0, all old)."""
    new = find_new_replica_set(d, rss)
    new_uid = new["metadata"]["uid"] if new is not None else None
    all_old = [rs for rs in rss if rs["metadata"].get("uid") != new_uid]
    return [rs for rs in all_old if spec_replicas(rs) != 0], all_old


def filter_active(rss: Iterable[Obj | None]) -> list[Obj]:
    return [rs for rs in rss if rs is not None and spec_replicas(rs) > 0]


def by_size_newer(rs: Obj) -> tuple[int, tuple[float, str]]:
    """Sort key: larger first, newer first on ties (use with reverse=True)."""
    return (spec_replicas(rs), creation_key(rs))


def sort_by_size_older(rss: list[Obj]) -> list[Obj]:
    """Larger first; on ties older first."""
    return sorted(sorted(rss, key=creation_key), key=spec_replicas, reverse=True)


def sort_by_size_newer(rss: list[Obj]) -> list[Obj]:
    """Larger first; on ties newer first."""
    return sorted(rss, key=by_size_newer, reverse=True)


def sort_by_revision(rss: list[Obj]) -> list[Obj]:
    """Revision ascending; equal revisions by creation time (unparseable counts as 0)."""
    return sorted(rss, key=lambda rs: (revision(rs), creation_key(rs)))


def find_active_or_latest(new_rs: Obj | None, old_rss: list[Obj]) -> Obj | None:
    if new_rs is None and not old_rss:
        return None
    old_sorted = sorted(old_rss, key=creation_key, reverse=True)
    active = filter_active(old_sorted + [new_rs])
    if not active:
        return new_rs if new_rs is not None else old_sorted[0]
    if len(active) == 1:
        return active[0]
    return None


# ---- proportions (§9) --------------------------------------------------------------------------
def replica_set_fraction(rs: Obj, d: Obj) -> int:
    if spec_replicas(d) == 0:
        return -spec_replicas(rs)
    deployment_replicas = spec_replicas(d) + max_surge(d)
    annotated = parse_nonneg_int32(annotation(rs, MAX_REPLICAS_ANNOTATION))
    if not annotated:
        annotated = status_field(d, "replicas")
    if annotated == 0:
        return 0
    return round_half_away(spec_replicas(rs) * deployment_replicas / annotated) - spec_replicas(rs)


def proportion(rs: Obj | None, d: Obj, to_add: int, added: int) -> int:
    if rs is None or spec_replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    f = replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(f, allowed) if to_add > 0 else max(f, allowed)


# ---- rollout state (§11) -----------------------------------------------------------------------
def has_progress_deadline(d: Obj) -> bool:
    pds = d["spec"].get("progressDeadlineSeconds")
    return pds is not None and int(pds) != MAX_INT32


def has_revision_history_limit(d: Obj) -> bool:
    lim = d["spec"].get("revisionHistoryLimit")
    return lim is not None and int(lim) != MAX_INT32


def deployment_complete(d: Obj, status: dict[str, Any]) -> bool:
    r = spec_replicas(d)
    return (
        int(status.get("updatedReplicas") or 0) == r
        and int(status.get("replicas") or 0) == r
        and int(status.get("availableReplicas") or 0) == r
        and int(status.get("observedGeneration") or 0) >= int(d["metadata"].get("generation", 0))
    )


def deployment_progressing(old: dict[str, Any], new: dict[str, Any]) -> bool:
    def g(s: dict[str, Any], f: str) -> int:
        return int(s.get(f) or 0)

    return (
        g(new, "updatedReplicas") > g(old, "updatedReplicas")
        or g(new, "replicas") - g(new, "updatedReplicas") < g(old, "replicas") - g(old, "updatedReplicas")
        or g(new, "readyReplicas") > g(old, "readyReplicas")
        or g(new, "availableReplicas") > g(old, "availableReplicas")
    )


# ---- pod-template-hash (§14) -------------------------------------------------------------------
def compute_hash(template: Obj, collision_count: int | None) -> str:
    """FNV-1a over a canonical rendering of the template (+ collisionCount), encoded like upstream.

    Upstream hashes Go's spew dump of the struct; values therefore differ from a real cluster's,
    but the alphabet, the encoding and the collision-count rule are the same.
    """
    data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    if collision_count is not None:
        data += int(collision_count).to_bytes(4, "little") + b"\0\0\0\0"
    return safe_encode(str(fnv1a_32(data)))


def replica_set_name(deployment_name: str, hash_: str) -> str:
    """generateReplicaSetName: truncate the deployment name so the result fits 253 characters."""
    name = f"{deployment_name}-{hash_}"
    if len(name) > 253:
        keep = 253 - 1 - len(hash_)
        if keep > 0:
            return f"{deployment_name[:keep]}-{hash_}"
    return name


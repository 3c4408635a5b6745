"""DELETE requests: their options (body and query), a dry run, and the answer upstream gives per kind.

kubectl sends its options in a ``DeleteOptions`` body (``dryRun``, ``gracePeriodSeconds``,
``propagationPolicy``, ``preconditions``); other clients put them in the query. Both are read,
the body first, on single and collection deletes alike. The deprecated ``orphanDependents``
means ``Orphan`` (true) or ``Background`` (false).

The answer (``genericregistry.Store.Delete`` / ``finalizeDelete``): an object that stays (marked
for deletion: a Pod's grace period, finalizers, foreground propagation) comes back as it is now;
an object removed at once comes back itself for the kinds whose storage sets
``ReturnDeletedObject`` (Pods, Services, Namespaces, ServiceAccounts, PersistentVolumeClaims),
else as a ``Status`` ``Success`` whose details name it (``kind`` is the resource, as upstream).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graceroll.api import field_checks as fc
from graceroll.api import kinds
from graceroll.api.meta import clone
from graceroll.apiserver.status import status
from graceroll.errors import FieldError, Invalid
from graceroll.store import deletion
from graceroll.store.deletion import PROPAGATIONS, Propagation

Obj = dict[str, Any]
DRY_RUN_VALUES = ["All"]


@dataclass(frozen=True)
class DeleteOptions:
    grace_period_seconds: int | None
    propagation: Propagation
    uid: str | None
    dry_run: bool


def parse(body: Any, query: Mapping[str, str], query_dry_run: list[str]) -> DeleteOptions:
    """The options of one DELETE; ``Invalid`` (422, as upstream's ``ValidateDeleteOptions``) names a bad one."""
    opts: Obj = body if isinstance(body, dict) else {}
    errs: list[FieldError] = []
    dry_run = opts.get("dryRun")
    values = [str(v) for v in dry_run] if isinstance(dry_run, list) else list(query_dry_run)
    for v in values:
        if v not in DRY_RUN_VALUES:
            errs.append(fc.not_supported("dryRun", v, DRY_RUN_VALUES))
    grace: Any = opts.get("gracePeriodSeconds", query.get("gracePeriodSeconds"))
    if grace is not None:
        try:
            grace = int(grace)
        except (TypeError, ValueError):
            errs.append(fc.invalid("gracePeriodSeconds", grace, "must be an integer"))
            grace = None
    policy = opts.get("propagationPolicy") or query.get("propagationPolicy")
    orphan = opts.get("orphanDependents", query.get("orphanDependents"))
    if policy and orphan is not None:
        errs.append(fc.invalid("propagationPolicy", policy, "orphanDependents and deletionPropagation cannot be both set"))
    if not policy:
        policy = "Orphan" if orphan in (True, "true") else "Background"
    propagation = next((p for p in PROPAGATIONS if p == policy), None)
    if propagation is None:
        errs.append(fc.not_supported("propagationPolicy", policy, list(PROPAGATIONS)))
    if errs or propagation is None:
        raise Invalid("DeleteOptions", "", errs)
    uid = (opts.get("preconditions") or {}).get("uid") if isinstance(opts.get("preconditions"), dict) else None
    return DeleteOptions(grace, propagation, uid, bool(values))


def dry_run(info: kinds.Kind, stored: Obj, opts: DeleteOptions, now: float) -> Obj | None:
    """What the object would be after this delete (None: removed), without writing anything."""
    decided = deletion.plan(info, stored, opts.grace_period_seconds, opts.propagation, now)
    return None if decided.remove else decided.marked


def answer(info: kinds.Kind, before: Obj, left: Obj | None) -> Obj:
    """The body of a successful DELETE: ``left`` (the object kept), or what upstream says of a removed one."""
    if left is not None:
        return left
    if info.returns_deleted_object:
        gone = clone(before)
        if gone["metadata"].get("deletionTimestamp"):
            gone["metadata"]["deletionGracePeriodSeconds"] = 0
        return gone
    details = {"name": before["metadata"]["name"], "group": info.group, "kind": info.plural, "uid": before["metadata"].get("uid", "")}
    return status(200, "", "", details)

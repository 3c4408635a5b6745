"""``scatterStrategy``: spread pods carrying a label evenly over the update order.

Upstream ``pkg/util/updatesort/scatter_sort.go`` (reference §2.7.3). Per term, the candidates are
split into matched and unmatched (order kept); the last matched one is held back for the very
end, the rest are interleaved in groups sized by the density of matched pods — among the
candidates, or among all pods of the workload when those are relatively denser. Example (doc):
10 pods, 3 labelled ``foo=bar`` are updated 1st, 6th and 10th.

Float32 arithmetic and round-half-away-from-zero are upstream's and matter for the group sizes.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graceroll.api.intstr import round_half_away

Obj = dict[str, Any]
Labels = Mapping[str, str] | None  # None: an empty slot (a reserved ordinal)


def _f32(x: float) -> float:
    return float(struct.unpack("f", struct.pack("f", x))[0])


def _matches(labels: Labels, term: Obj) -> bool:
    return labels is not None and term.get("key") in labels and labels[term["key"]] == (term.get("value") or "")


@dataclass(frozen=True)
class _Group:
    num: int
    matched_size: int
    unmatched_size: int
    unmatched_remainder: int = 0


def _group(matched: int, unmatched: int) -> _Group:
    num = min(matched, unmatched)
    return _Group(num, round_half_away(matched / num), round_half_away(unmatched / num))


def _group_by_density(total_m: int, total_u: int, upd_m: int, upd_u: int) -> _Group:
    update = _group(upd_m, upd_u)
    if _f32(_f32(total_u) / _f32(total_m)) >= _f32(_f32(upd_u) / _f32(upd_m)):
        return update
    total = _group(total_m, total_u)
    num = min(upd_m // total.matched_size, upd_u // total.unmatched_size)
    return _Group(num, total.matched_size, total.unmatched_size, upd_u - num * total.unmatched_size)


def terms_to_apply(terms: Sequence[Obj], pods: Sequence[Labels], indexes: Sequence[int]) -> list[Obj]:
    """One term as is; several: those matching some candidate, most matches first (stable)."""
    if len(terms) == 1:
        return list(terms)
    counted = [(t, sum(1 for i in indexes if _matches(pods[i], t))) for t in terms]
    kept = [(t, n) for t, n in counted if n > 0]
    kept.sort(key=lambda tn: -tn[1])
    return [t for t, _ in kept]


def by_term(term: Obj, pods: Sequence[Labels], indexes: Sequence[int]) -> list[int]:
    """``scatterPodsByRule`` for one term."""
    matched = [i for i in indexes if _matches(pods[i], term)]
    unmatched = [i for i in indexes if not _matches(pods[i], term)]
    if len(matched) <= 1 or len(unmatched) <= 1:
        return list(indexes)
    total_m = sum(1 for p in pods if p is not None and _matches(p, term))
    total_u = sum(1 for p in pods if p is not None and not _matches(p, term))
    last = matched.pop()
    total_m -= 1
    g = _group_by_density(total_m, total_u, len(matched), len(unmatched))
    out = unmatched[: g.unmatched_remainder]
    unmatched = unmatched[g.unmatched_remainder :]
    for _ in range(g.num):
        out += matched[: g.matched_size]
        matched = matched[g.matched_size :]
        out += unmatched[: g.unmatched_size]
        unmatched = unmatched[g.unmatched_size :]
    return out + matched + unmatched + [last]


def sort(terms: Sequence[Obj] | None, pods: Sequence[Labels], indexes: Sequence[int]) -> list[int]:
    """``indexes`` (into ``pods``) reordered by every applicable term in turn."""
    if not terms or len(indexes) <= 1:
        return list(indexes)
    out = list(indexes)
    for term in terms_to_apply(terms, pods, out):
        out = by_term(term, pods, out)
    return out

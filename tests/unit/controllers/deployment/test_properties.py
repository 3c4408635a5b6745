"""Property: random readiness delays, crashes, scaling and new templates mid-rollout never break
maxSurge / maxUnavailable and always converge once the last template can become ready."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graceroll.api.intstr import scaled_value
from graceroll.controllers.deployment import util
from graceroll.node.sim import Behaviour

from ..harness import Cluster, deployment

int_or_percent = st.one_of(st.integers(0, 5), st.integers(0, 100).map(lambda p: f"{p}%"))


@st.composite
def rollouts(draw: st.DrawFn) -> dict[str, Any]:
    ms, mu = draw(int_or_percent), draw(int_or_percent)
    if scaled_value(ms, 100, True) == 0 and scaled_value(mu, 100, False) == 0 and str(ms).rstrip("%") == "0" and str(mu).rstrip("%") == "0":
        mu = 1  # both zero is invalid (validation refuses it)
    images = {f"app:v{i}": Behaviour(start_seconds=draw(st.sampled_from([0.5, 1, 2, 3, 7])), crash=draw(st.booleans()) and i > 1) for i in range(1, 6)}
    ops = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["image", "image", "scale"]),
                st.integers(1, 5),  # image version or ignored
                st.integers(0, 15),  # replicas for scale
                st.sampled_from([0, 0.5, 1, 3, 10, 40]),  # virtual seconds to wait before the op
            ),
            min_size=1,
            max_size=6,
        )
    )
    return {
        "replicas": draw(st.integers(1, 15)),
        "ms": ms,
        "mu": mu,
        "min_ready": draw(st.sampled_from([0, 0, 2])),
        "images": images,
        "ops": ops,
        "final": draw(st.integers(1, 5)),
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rollouts())
def test_rollouts_respect_surge_and_availability_and_converge(case: dict[str, Any]) -> None:
    images = dict(case["images"])
    images[f"app:v{case['final']}"] = Behaviour(start_seconds=images[f"app:v{case['final']}"].start_seconds)
    c = Cluster(Behaviour(start_seconds=1), images)
    c.store.create(deployment(replicas=case["replicas"], max_surge=case["ms"], max_unavailable=case["mu"], min_ready=case["min_ready"]))
    floor_armed = False

    def check() -> None:
        nonlocal floor_armed
        d = c.get()
        s = c.snapshot()
        assert s.pods <= util.spec_replicas(d) + util.max_surge(d), "above replicas + maxSurge"
        if s.complete:
            floor_armed = True
        if floor_armed:
            assert s.available >= util.spec_replicas(d) - util.max_unavailable(d), "below replicas - maxUnavailable"

    def op(kind: str, version: int, replicas: int) -> None:
        nonlocal floor_armed
        if kind == "image":
            c.edit("web", lambda d: d["spec"]["template"]["spec"]["containers"][0].update(image=f"app:v{version}"))
        else:
            if replicas > util.spec_replicas(c.get()) or not c.snapshot().complete:
                # new capacity is not available yet, or a rollout in flight is scaled proportionally
                # (a lower replica count can round maxUnavailable down below what is already
                # unavailable, upstream too): the floor applies again once complete
                floor_armed = False
            c.edit("web", lambda d: d["spec"].update(replicas=replicas))
        check()

    c.run_until(lambda: c.snapshot().complete, each=check)
    check()
    for kind, version, replicas, wait in case["ops"]:
        c.advance(wait, each=check)
        op(kind, version, replicas)
    op("image", case["final"], 0)
    assert c.run_until(lambda: c.snapshot().complete, limit=20_000, each=check), "did not converge"
    d = c.get()
    assert d["status"]["updatedReplicas"] == d["spec"]["replicas"] == d["status"]["availableReplicas"]

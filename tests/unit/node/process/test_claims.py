"""Which claim directories a starting node keeps."""

from __future__ import annotations

from graceroll.node.process.agent import claims_kept


def test_claims_kept_are_those_in_the_store_and_those_pods_mount() -> None:
    stored = [{"metadata": {"name": "a", "namespace": "ns"}}]
    volumes = [{"name": "data", "persistentVolumeClaim": {"claimName": "b"}}, {"name": "tmp", "emptyDir": {}}]
    pods = [{"metadata": {"name": "p"}, "spec": {"volumes": volumes}}, {"metadata": {"name": "q"}, "spec": {}}]
    assert claims_kept(stored, pods) == {("ns", "a"), ("default", "b")}

"""The HookRun controller on virtual time with a fake fetcher: providers, schedule, policy, terminate."""

from __future__ import annotations

import json
from typing import Any

import graceroll.api.builtin  # noqa: F401
from graceroll.api.meta import clone
from graceroll.clock import VirtualClock
from graceroll.controllers.hookrun.controller import HookRunController
from graceroll.controllers.hookrun.fetch import FakeFetcher, Response
from graceroll.controllers.runtime import Manager
from graceroll.store.memory import MemoryStore

Obj = dict[str, Any]


class Runner:
    def __init__(self) -> None:
        self.clock = VirtualClock()
        self.store = MemoryStore(self.clock, seed=0)
        self.fetcher = FakeFetcher()
        self.manager = Manager(self.store, self.clock, [HookRunController(self.store, self.clock, self.fetcher)])

    def run(self, *metrics: Obj, args: list[Obj] | None = None, policy: str = "Parallel") -> None:
        spec = {"metrics": list(metrics), "args": args or [], "policy": policy}
        self.store.create({"apiVersion": "tkex.tencent.com/v1alpha1", "kind": "HookRun", "metadata": {"name": "r", "namespace": "default"}, "spec": spec})
        self.manager.run_pending()

    def until_done(self, limit: float = 3600) -> float:
        while self.status().get("phase") not in ("Successful", "Failed", "Error", "Inconclusive"):
            due = self.manager.next_due()
            assert due is not None and due - self.clock.start <= limit
            self.clock.advance_to(due)
            self.manager.fire_due()
            self.manager.run_pending()
        return self.clock.elapsed()

    def status(self) -> Obj:
        st: Obj = self.store.get("HookRun", "default", "r").get("status") or {}
        return st


def web(name: str = "m", url: str = "http://svc/x", **fields: Any) -> Obj:
    return {"name": name, "successCondition": "asInt(result) == 0", "provider": {"web": {"url": url, "jsonPath": "{$.online}"}}, **fields}


def test_web_metric_counts_measurements_on_virtual_time() -> None:
    r = Runner()
    r.fetcher.respond("http://svc/x", Response(200, '{"online": 2}'), Response(200, '{"online": 1}'), Response(200, '{"online": 0}'))
    r.run(web(count=3, interval="60s", failureLimit=2, initialDelay="5s"))
    assert r.until_done() == 125.0  # 5, 65, 125
    st = r.status()
    result = st["metricResults"][0]
    assert st["phase"] == "Successful" and (result["count"], result["failed"], result["successful"]) == (3, 2, 1)
    assert [m["value"] for m in result["measurements"]] == ["2", "1", "0"]


def test_args_are_templated_into_the_url() -> None:
    r = Runner()
    r.fetcher.respond("http://10.0.0.7:9091/players", Response(200, '{"online": 0}'))
    r.run(web(url="http://{{ args.PodIP }}:9091/players"), args=[{"name": "PodIP", "value": "10.0.0.7"}])
    assert r.status()["phase"] == "Successful"


def test_an_unresolved_arg_is_an_error_measurement() -> None:
    r = Runner()
    r.run(web(url="http://{{ args.PodIP }}/", consecutiveErrorLimit=0))
    st = r.status()
    assert st["phase"] == "Error" and "args.PodIP" in st["metricResults"][0]["measurements"][0]["message"]


def test_non_2xx_is_an_error_measurement_and_counts() -> None:
    r = Runner()
    r.fetcher.respond("http://svc/x", Response(503, ""), Response(503, ""), Response(200, '{"online": 0}'))
    r.run(web(count=3, interval="10s"))
    assert r.until_done() == 20.0
    result = r.status()["metricResults"][0]
    assert [m["phase"] for m in result["measurements"]] == ["Error", "Error", "Successful"]
    assert (result["count"], result["error"], r.status()["phase"]) == (3, 2, "Successful")


def test_an_unreachable_endpoint_ends_the_run_in_error() -> None:
    """Nothing answers (connection refused): each attempt is an Error measurement that counts, so the
    run ends when ``count`` is reached instead of retrying for ever."""
    r = Runner()
    r.run(web(count=3, interval="10s"))
    assert r.until_done() == 20.0
    st = r.status()
    result = st["metricResults"][0]
    assert (st["phase"], result["phase"], result["count"], result["error"]) == ("Error", "Error", 3, 3)
    assert "connection refused" in st["message"]


def test_prometheus_vector_scalar_and_nan() -> None:
    r = Runner()
    vector = {"status": "success", "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, "0.002"]}]}}
    url = "http://prom:9090/api/v1/query?query=sum%28rate%28err_total%5B1m%5D%29%29"
    r.fetcher.respond(url, Response(200, json.dumps(vector)))
    metric = {"name": "p", "successCondition": "result[0] < 0.01", "provider": {"prometheus": {"address": "http://prom:9090", "query": "sum(rate(err_total[1m]))"}}}
    r.run(metric)
    assert r.status()["phase"] == "Successful" and r.status()["metricResults"][0]["measurements"][0]["value"] == "[0.002]"
    nan = Runner()
    nan.fetcher.respond(url, Response(200, json.dumps({"data": {"resultType": "scalar", "result": [1, "NaN"]}})))
    nan.run(metric)
    assert nan.status()["phase"] == "Inconclusive"


def test_kubernetes_provider_patches_then_gets_an_annotation() -> None:
    r = Runner()
    r.store.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "gs-0", "namespace": "default"}, "spec": {"containers": [{"name": "c", "image": "i"}]}})
    fields = [{"path": "metadata.annotations.example.com/draining", "value": "true"}]
    patch = {"name": "mark", "provider": {"kubernetes": {"function": "patch", "fields": fields}}}
    get = {"name": "check", "provider": {"kubernetes": {"function": "get", "fields": fields}}}
    r.run(patch, get, args=[{"name": "PodName", "value": "gs-0"}, {"name": "PodNamespace", "value": "default"}], policy="Ordered")
    assert r.status()["phase"] == "Successful"
    assert r.store.get("Pod", "default", "gs-0")["metadata"]["annotations"]["example.com/draining"] == "true"


def test_ordered_policy_stops_at_the_first_unsuccessful_metric() -> None:
    r = Runner()
    r.fetcher.respond("http://svc/a", Response(200, '{"online": 5}'))
    r.run(web("a", "http://svc/a"), web("b", "http://svc/b"), policy="Ordered")
    st = r.status()
    assert st["phase"] == "Failed" and r.fetcher.requests == ["http://svc/a"]


def test_terminate_ends_the_run_successfully() -> None:
    r = Runner()
    r.fetcher.respond("http://svc/x", Response(200, '{"online": 0}'))
    r.run(web(interval="10s"))
    assert r.status()["phase"] == "Running"
    run = clone(r.store.get("HookRun", "default", "r"))
    run["spec"]["terminate"] = True
    r.store.update(run)
    r.manager.run_pending()
    assert r.status()["phase"] == "Successful"


def test_an_invalid_run_ends_in_error() -> None:
    r = Runner()
    r.run({"name": "m", "provider": {}})
    assert r.status()["phase"] == "Error" and "exactly one of web" in r.status()["message"]

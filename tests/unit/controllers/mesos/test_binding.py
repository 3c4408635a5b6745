"""Which application a new deployment runs (pure) (bcs-scheduler ``CreateDeployment``)."""

from __future__ import annotations

from typing import Any

import pytest

from graceroll.controllers.mesos.binding import BIND, CREATE, REFUSE, REPLACE, choose


def app(name: str, owned: bool = False, **labels: str) -> dict[str, Any]:
    md: dict[str, Any] = {"name": name, "labels": labels}
    if owned:
        md["ownerReferences"] = [{"kind": "MesosDeployment", "name": "other", "uid": "u1", "controller": True}]
    return {"metadata": md}


@pytest.mark.parametrize(
    ("selector", "template", "apps", "action", "bound"),
    [
        pytest.param(None, True, [app("a", appname="test")], CREATE, None, id="no selector: create from the template"),
        pytest.param({"appname": "test"}, True, [], CREATE, None, id="nothing matches: create"),
        pytest.param({"appname": "test"}, False, [app("a", appname="test")], BIND, "a", id="one match, no template: bind it"),
        pytest.param({"appname": "test"}, True, [app("a", appname="test")], REPLACE, "a", id="one match and a template: replace it"),
        pytest.param({"appname": "test"}, False, [app("a", appname="x")], REFUSE, None, id="no match and no template: refused"),
        pytest.param({"appname": "test"}, False, [app("a", appname="test"), app("b", appname="test")], REFUSE, None, id="two matches: refused"),
        pytest.param({"appname": "test"}, False, [app("a", True, appname="test"), app("b", appname="test")], BIND, "b", id="an application another deployment owns is no candidate"),
    ],
)
def test_choose(selector: Any, template: bool, apps: list[dict[str, Any]], action: str, bound: str | None) -> None:
    b = choose(selector, template, apps)
    assert (b.action, b.application["metadata"]["name"] if b.application else None) == (action, bound)

"""Which application a new deployment runs (pure; bcs-scheduler ``CreateDeployment``).

The applications whose labels carry every ``spec.selector`` label, and that no deployment owns
yet, are the candidates: none — create one from the template; one and no template — bind it as
it is; one and a template — replace it (delete it, create a new one); more — refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graceroll.api.meta import Obj, controller_ref

CREATE, BIND, REPLACE, REFUSE = "create", "bind", "replace", "refuse"


@dataclass(frozen=True)
class Binding:
    action: str  # create | bind | replace | refuse
    application: Obj | None = None  # the matched one (bind, replace)
    message: str = ""


def matches(selector: Any, app: Obj) -> bool:
    labels = app["metadata"].get("labels") or {}
    return bool(selector) and controller_ref(app) is None and all(labels.get(k) == v for k, v in selector.items())


def choose(selector: Any, has_template: bool, apps: list[Obj]) -> Binding:
    found = [a for a in apps if matches(selector, a)]
    if len(found) > 1:
        names = ", ".join(sorted(a["metadata"]["name"] for a in found))
        return Binding(REFUSE, message=f"more than one application matches the selector: {names}")
    if not found:
        if has_template:
            return Binding(CREATE)
        return Binding(REFUSE, message="no application matches the selector, and there is no template to create one")
    return Binding(REPLACE if has_template else BIND, found[0])

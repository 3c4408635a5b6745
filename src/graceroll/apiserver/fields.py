"""Field selectors: ``?fieldSelector=involvedObject.name=web,status.phase!=Running``.

Upstream each kind declares the few fields it can be selected on (``kubectl describe`` lists a
Deployment's Events by ``involvedObject.*``); here any dotted path into the object can be used,
compared as text, a missing field counting as "". ``metadata.name=`` is also handed to the store,
which finds one name without a scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graceroll.errors import UsageError

Obj = dict[str, Any]


@dataclass(frozen=True)
class Term:
    path: tuple[str, ...]
    equal: bool  # ``=``/``==``; False for ``!=``
    value: str

    def matches(self, obj: Obj) -> bool:
        return (_text(obj, self.path) == self.value) is self.equal


@dataclass(frozen=True)
class FieldSelector:
    terms: tuple[Term, ...] = ()

    @property
    def name(self) -> str | None:
        """The name asked for by ``metadata.name=``, if any (the store's fast path)."""
        return next((t.value for t in self.terms if t.equal and t.path == ("metadata", "name")), None)

    def matches(self, obj: Obj) -> bool:
        return all(t.matches(obj) for t in self.terms)


def parse(text: str) -> FieldSelector:
    """``a.b=x,c!=y`` (``==`` is ``=``); an empty text selects everything."""
    terms = []
    for raw in filter(None, text.split(",")):
        equal = "!=" not in raw
        operator = "!=" if not equal else "==" if "==" in raw else "="
        key, found, value = raw.partition(operator)
        if not found:
            raise UsageError(f'invalid field selector "{raw}": expected key=value or key!=value')
        if not key:
            raise UsageError(f'invalid field selector "{raw}": the field is empty')
        terms.append(Term(tuple(key.split(".")), equal, value))
    return FieldSelector(tuple(terms))


def _text(obj: Obj, path: tuple[str, ...]) -> str:
    value: Any = obj
    for key in path:
        if not isinstance(value, dict):
            return ""
        value = value.get(key)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)

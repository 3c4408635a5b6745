"""The object a verb acts on: its kind, name and namespace, and how kubectl names it in messages."""

from __future__ import annotations

from dataclasses import dataclass

from graceroll.api import kinds
from graceroll.api.admission import admit
from graceroll.api.meta import Obj
from graceroll.store.base import Store


@dataclass(frozen=True)
class Target:
    kind: kinds.Kind
    name: str
    namespace: str

    @classmethod
    def of(cls, kind: str, name: str, namespace: str = "default") -> Target:
        """``kind`` as users type it (``deploy``, ``deployments``, ``Deployment``, ``deployment.apps``)."""
        info = kinds.resolve(kind)
        return cls(info, name, namespace if info.namespaced else "")

    @property
    def display(self) -> str:
        """``deployment.apps/web``: how kubectl prints the object in success messages."""
        return f"{self.kind.qualified}/{self.name}"

    @property
    def resource(self) -> str:
        """``deployments.apps``: how kubectl names the resource in error messages."""
        return self.kind.resource

    def get(self, store: Store) -> Obj:
        return store.get(self.kind.kind, self.namespace, self.name)

    def write(self, store: Store, old: Obj, new: Obj) -> Obj:
        """Admit ``new`` as an update of ``old`` (defaults, validation, immutable fields), then store it.

        ``new`` carries ``old``'s resourceVersion, so a concurrent change surfaces as ``Conflict``.
        """
        return store.update(admit(new, old))


def changed(old: Obj, new: Obj) -> bool:
    """Whether storing ``new`` would change anything visible through the main endpoint.

    Status is left out: an update through the main endpoint keeps the stored status.
    """
    return {k: v for k, v in new.items() if k != "status"} != {k: v for k, v in old.items() if k != "status"}

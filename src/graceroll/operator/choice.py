"""Which of the operator's controllers run: their names in run order, and the check of a choice.

``graceroll operator run`` and ``graceroll operator manifests`` take the same ``--controllers``,
so both check it here: the Deployment the manifests install runs exactly what they grant.
"""

from __future__ import annotations

from collections.abc import Iterable

from graceroll.errors import UsageError

CONTROLLERS = ("cloneset", "gamestatefulset", "hookrun")
_CHOICES = ",".join(CONTROLLERS)


def checked(names: Iterable[str]) -> tuple[str, ...]:
    """The named controllers, each once, in run order; an unknown name or none is a usage error."""
    chosen = {n.strip().lower() for n in names if n.strip()}
    unknown = sorted(chosen - set(CONTROLLERS))
    if unknown:
        raise UsageError(f'--controllers: unknown controller "{unknown[0]}"; choose from {_CHOICES}')
    if not chosen:
        raise UsageError(f"--controllers: no controller given; choose from {_CHOICES}")
    return tuple(c for c in CONTROLLERS if c in chosen)


def parse(text: str) -> tuple[str, ...]:
    """``cloneset, HookRun`` → ``("cloneset", "hookrun")``."""
    return checked(text.split(","))

"""One rolling step at a time between the old and the new application (pure).

bcs-scheduler's checker (``scheduler/deployment.go``, reference bcs.md §5.4): a step starts when
none is in progress, the status is ``Update`` (not paused) and more than ``upgradeDuration``
seconds passed since the last step ended. Targets: old = max(0, old − maxUnavailable), new =
min(new + maxSurge, defined). ``CreateFirst`` grows the new application and waits until its added
taskgroups run, then shrinks the old one; ``DeleteFirst`` shrinks first. When a step ends,
``rollingManually`` pauses the update. The update is finished when the old application has no
taskgroup left and the new one runs all it defines.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class App:
    instance: int  # what it should run (spec.instance)
    present: int  # taskgroups that exist, stopping ones included
    running: int  # taskgroups running (ready) among those it should keep


@dataclass(frozen=True)
class Rolling:
    max_unavailable: int
    max_surge: int
    upgrade_duration: float
    order: str  # CreateFirst | DeleteFirst
    manually: bool


@dataclass(frozen=True)
class State:
    phase: str  # Update | UpdatePaused | UpdateSuspend
    step: str  # "" (between steps) | "create" | "delete"
    last_rolling_time: float


@dataclass(frozen=True)
class Decision:
    state: State
    old_instance: int | None = None  # a new spec.instance for the old application
    new_instance: int | None = None
    step_started: bool = False
    step_ended: bool = False
    finished: bool = False


def _created(app: App) -> bool:
    return app.present == app.instance and app.running >= app.instance


def _deleted(app: App) -> bool:
    return app.present <= app.instance


def decide(r: Rolling, s: State, old: App, new: App, defined: int, now: float) -> Decision:
    if s.step == "":
        if old.instance == 0 and old.present == 0 and new.instance >= defined and _created(new):
            return Decision(s, finished=True)
        if s.phase != "Update" or now - s.last_rolling_time <= r.upgrade_duration:
            return Decision(s)
        if r.order == "DeleteFirst":
            return Decision(replace(s, step="delete"), old_instance=max(0, old.instance - r.max_unavailable), step_started=True)
        return Decision(replace(s, step="create"), new_instance=min(new.instance + r.max_surge, defined), step_started=True)
    if s.step == "create" and _created(new):
        if r.order == "DeleteFirst":
            return _end(r, s, now)
        return Decision(replace(s, step="delete"), old_instance=max(0, old.instance - r.max_unavailable))
    if s.step == "delete" and _deleted(old):
        if r.order == "DeleteFirst":
            return Decision(replace(s, step="create"), new_instance=min(new.instance + r.max_surge, defined))
        return _end(r, s, now)
    return Decision(s)


def _end(r: Rolling, s: State, now: float) -> Decision:
    phase = "UpdatePaused" if r.manually and s.phase == "Update" else s.phase
    return Decision(State(phase, "", now), step_ended=True)

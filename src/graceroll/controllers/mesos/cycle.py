"""One rolling step at a time between the old and the new application (pure).

bcs-scheduler's checker (bk-bcs ``bcs-scheduler/src/manager/sched/scheduler/deployment.go``): a
step starts when none is in progress, the status is ``Update`` (not paused) and more than
``upgradeDuration`` seconds passed since ``lastRollingTime``. Targets come from the taskgroups each
application has (upstream's ``Instances``, stopping ones included): old = max(0, old −
maxUnavailable), new = min(new + maxSurge, defined). ``CreateFirst`` grows the new application and
waits until the taskgroups it added (indices from ``step_from`` up) run, then shrinks the old one;
``DeleteFirst`` shrinks first. When a step ends, ``rollingManually`` pauses the update. The update
is finished when the old application has no taskgroup left and the new one has all it defines.

A create phase that lasts more than 300 + 60 s, or a delete phase more than 7500 + 60 s, suspends
the update (``UpdateSuspend``) and abandons the step (upstream: ``IsInRolling = false``, and its
``lastRollingTime`` is the abandoned phase's start); while suspended nothing moves. ``resume``
makes it ``Update`` again, and the next tick begins a **new step** from the counts the applications
have then, once ``upgradeDuration`` has passed since that phase started: a new taskgroup that
exists but never ran is not waited for again (the step adds the next ``maxSurge``), one that could
not be placed is asked for again.

Worked example, the seed (2 → 2 instances, maxSurge 1, maxUnavailable 1, CreateFirst,
upgradeDuration 60): step 1 grows the new application 0 → 1, waits for it to run, shrinks the old
one 2 → 1 and ends at t; step 2 starts after t + 60 and does 1 → 2, 1 → 0; the update finishes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

CREATE_TIMEOUT = 300 + 60  # seconds a create phase may last before the update is suspended
DELETE_TIMEOUT = 7500 + 60
CREATE_TIMEOUT_MESSAGE = "create taskgroup timeout, rollingupdate suspend"
DELETE_TIMEOUT_MESSAGE = "delete taskgroup timeout, rollingupdate suspend"


@dataclass(frozen=True)
class App:
    instance: int  # what it should run (spec.instance)
    present: int  # taskgroups that exist, stopping ones included (upstream's Instances)
    ready: frozenset[int]  # the indices, below instance, of the taskgroups that run (are ready)


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
    last_rolling_time: float  # when the last step ended
    step_phase_started: float = 0.0  # when the current create or delete phase started
    step_from: int = 0  # the new application's taskgroups when its create phase started


@dataclass(frozen=True)
class Decision:
    state: State
    old_instance: int | None = None  # a new spec.instance for the old application
    new_instance: int | None = None
    step_started: bool = False
    step_ended: bool = False
    finished: bool = False
    message: str | None = None  # a new status message (suspension)


def _created(app: App, first: int) -> bool:
    """``isRollingStartFinished``: all taskgroups exist and those added from ``first`` run."""
    return app.present >= app.instance and all(i in app.ready for i in range(first, app.instance))


def _deleted(app: App) -> bool:
    return app.present <= app.instance


def decide(r: Rolling, s: State, old: App, new: App, defined: int, now: float) -> Decision:
    if s.phase == "UpdateSuspend":
        return Decision(s)  # upstream's checker skips a suspended deployment entirely
    if s.step == "":
        if old.instance == 0 and old.present == 0 and new.instance >= defined and new.present >= defined:
            return Decision(s, finished=True)
        if s.phase != "Update" or now - s.last_rolling_time <= r.upgrade_duration:
            return Decision(s)
        if r.order == "DeleteFirst":
            return Decision(_phase(s, "delete", now), old_instance=_shrunk(r, old), step_started=True)
        return Decision(_create(s, new, now), new_instance=_grown(r, new, defined), step_started=True)
    if s.step == "create" and _created(new, s.step_from):
        if r.order == "DeleteFirst":
            return _end(r, s, now)
        return Decision(_phase(s, "delete", now), old_instance=_shrunk(r, old))
    if s.step == "delete" and _deleted(old):
        if r.order == "DeleteFirst":
            return Decision(_create(s, new, now), new_instance=_grown(r, new, defined))
        return _end(r, s, now)
    timeout, message = (CREATE_TIMEOUT, CREATE_TIMEOUT_MESSAGE) if s.step == "create" else (DELETE_TIMEOUT, DELETE_TIMEOUT_MESSAGE)
    if now - s.step_phase_started > timeout:
        # upstream: IsInRolling = false, CurrRollingOp = nil; lastRollingTime stays the phase's start
        return Decision(State("UpdateSuspend", "", s.step_phase_started), message=message)
    return Decision(s)


def _shrunk(r: Rolling, old: App) -> int:
    return max(0, old.present - r.max_unavailable)


def _grown(r: Rolling, new: App, defined: int) -> int:
    return min(new.present + r.max_surge, defined)


def _phase(s: State, step: str, now: float) -> State:
    return replace(s, step=step, step_phase_started=now)


def _create(s: State, new: App, now: float) -> State:
    return replace(_phase(s, "create", now), step_from=new.present)


def _end(r: Rolling, s: State, now: float) -> Decision:
    phase = "UpdatePaused" if r.manually and s.phase == "Update" else s.phase
    return Decision(replace(s, phase=phase, step="", last_rolling_time=now), step_ended=True)

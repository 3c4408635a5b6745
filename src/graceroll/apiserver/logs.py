"""``GET .../pods/NAME/log``: a container's log, with the options and errors of the kubelet.

Options (``PodLogOptions``): ``container``, ``previous``, ``follow``, ``tailLines``,
``sinceSeconds`` or ``sinceTime``, ``timestamps``, ``limitBytes``; the reading rules are
``node.process.logs``'. Which run is read follows the kubelet's ``validateContainerLogStatus``:
the current run of a running or terminated container, the last terminated run of a container
waiting to restart (CrashLoopBackOff), and with ``previous`` the run that ``lastState`` records
(400 ``previous terminated container "app" in pod "web" not found`` without one). A container
that never ran answers 400 ``container "app" in pod "web" is waiting to start: <reason>``.

``follow`` streams the run's new lines until that run is over (the container restarted, or its
pod went), as ``kubectl logs -f`` ends when the container does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from aiohttp import web

from graceroll.api import field_checks as fc
from graceroll.clock import Clock, parse_time
from graceroll.errors import FieldError, Invalid, NotFound, UsageError
from graceroll.node.process import logs
from graceroll.store.base import Store

Obj = dict[str, Any]
LogsDir = Callable[[str, str, str], Path]
FOLLOW_POLL = 0.25


def options(query: Mapping[str, str], now: float) -> tuple[logs.LogOptions, bool, bool]:
    """(reading options, previous, follow); ``Invalid`` names a bad option, as upstream's validation."""
    errs: list[FieldError] = []

    def number(key: str, minimum: int) -> int | None:
        raw = query.get(key)
        if raw is None or raw == "":
            return None
        try:
            value = int(raw)
        except ValueError:
            errs.append(fc.invalid(key, raw, "must be an integer"))
            return None
        if value < minimum:
            errs.append(fc.invalid(key, value, "must be greater than 0" if minimum == 1 else "must be greater than or equal to 0"))
        return value

    tail = number("tailLines", 0)
    since_seconds = number("sinceSeconds", 1)
    limit = number("limitBytes", 1)
    since_time = query.get("sinceTime")
    since: float | None = None
    if since_seconds is not None and since_time:
        errs.append(fc.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"))
    elif since_seconds is not None:
        since = now - since_seconds
    elif since_time:
        try:
            since = parse_time(since_time)
        except ValueError:
            errs.append(fc.invalid("sinceTime", since_time, "must be an RFC 3339 time"))
    if errs:
        raise Invalid("PodLogOptions", "", errs)
    return logs.LogOptions(tail, since, _flag(query, "timestamps"), limit), _flag(query, "previous"), _flag(query, "follow")


def _flag(query: Mapping[str, str], key: str) -> bool:
    return query.get(key) in ("1", "true")


def _container(pod: Obj, wanted: str) -> tuple[str, Obj]:
    """The container's name and its status entry ({} when it has none yet)."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    name = pod["metadata"]["name"]
    apps = [c["name"] for c in spec.get("containers") or ()]
    inits = [c["name"] for c in spec.get("initContainers") or ()]
    if not wanted:
        if len(apps) != 1:
            also = f" or one of the init containers: [{' '.join(inits)}]" if inits else ""
            raise UsageError(f"a container name must be specified for pod {name}, choose one of: [{' '.join(apps)}]{also}")
        wanted = apps[0]
    if wanted not in apps and wanted not in inits:
        raise UsageError(f"container {wanted} is not valid for pod {name}")
    statuses = [*(status.get("initContainerStatuses") or ()), *(status.get("containerStatuses") or ())]
    return wanted, next((cs for cs in statuses if cs.get("name") == wanted), {})


def run_to_read(pod: Obj, container: str, cs: Obj, runs: list[Path], previous: bool) -> Path | None:
    """The file of the run to read (None: a run that left no file); raises the kubelet's 400s."""
    pod_name = pod["metadata"]["name"]
    state, last = cs.get("state") or {}, cs.get("lastState") or {}
    current_ran = "running" in state or "terminated" in state
    if previous:
        if "terminated" not in last:
            raise UsageError(f'previous terminated container "{container}" in pod "{pod_name}" not found')
        index = -2 if current_ran else -1
    elif current_ran or "terminated" in last:
        index = -1
    else:
        reason = (state.get("waiting") or {}).get("reason")
        detail = f": {reason}" if reason else " - no logs yet"
        raise UsageError(f'container "{container}" in pod "{pod_name}" is waiting to start{detail}')
    return runs[index] if len(runs) >= -index else None


async def serve(request: web.Request, store: Store, clock: Clock, logs_dir: LogsDir | None, ns: str, name: str) -> web.StreamResponse:
    pod = store.get("Pod", ns, name)
    opts, previous, follow = options(request.query, clock.now())
    container, cs = _container(pod, request.query.get("container", ""))
    if logs_dir is None:
        raise NotFound("log", name)
    directory = logs_dir(ns, name, container)
    path = run_to_read(pod, container, cs, logs.runs(directory), previous)
    raw = path.read_bytes() if path is not None and path.is_file() else b""
    lines, rest = logs.parse(raw)
    data = logs.select(lines + ([logs.Line(b"", rest)] if rest and not follow else []), opts)
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await response.prepare(request)
    await response.write(data)
    if not follow or previous or path is None:
        return response
    left = None if opts.limit_bytes is None else opts.limit_bytes - len(data)
    uid = pod["metadata"].get("uid")

    def still() -> bool:
        current = store.try_get("Pod", ns, name)
        return current is not None and current["metadata"].get("uid") == uid and logs.runs(directory)[-1:] == [path]

    async for new in logs.follow(path, clock, len(raw) - len(rest), still, FOLLOW_POLL):  # type: ignore[arg-type]
        chunk = b"".join(ln.render(opts.timestamps) for ln in new)
        if left is not None:
            chunk, left = chunk[:left], left - len(chunk)
        if chunk:
            await response.write(chunk)
        if left is not None and left <= 0:
            break
    return response

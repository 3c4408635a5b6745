"""The simulation scenario file: simulated pod behaviour, then steps (apply, run, wait) and a time cap.

::

    pods:
      startSeconds: 1              # default for every pod
      images:
        "app:v3": {startSeconds: 5}
        "app:bad": {crash: true}
        "app:flaky": {unhealthy: [{from: 120, to: 150}], flapping: {every: 60, for: 10}}
    steps:
      - apply: v1.yaml             # relative to the scenario file
      - wait: complete
      - run: rollout pause deployment/frontend
      - wait: 12.5                 # virtual seconds
    http:                          # canned answers for HookRun web/prometheus metrics
      "http://checker/ok": {status: 200, body: {ok: true}}
      "http://checker/flaky": [{status: 500}, {body: {ok: true}}]   # in order, the last repeats
    until: 3600
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from graceroll.controllers.hookrun.fetch import FakeFetcher, Response
from graceroll.engine.config import NodeSpec
from graceroll.errors import FieldError, ManifestError, UsageError
from graceroll.node.sim import Behaviour, Behaviours


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Window(_Strict):
    """``{from: 120, to: 150}``: virtual seconds of the scenario, ``to`` after ``from``."""

    start: float = Field(alias="from", ge=0)
    end: float = Field(alias="to", ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end <= self.start:
            raise ValueError("to must be after from")
        return self


class Flapping(_Strict):
    """``{every: 60, for: 10}``: the app fails for 10 s of every 60 s, from when it first came up."""

    every: float = Field(gt=0)
    length: float = Field(alias="for", gt=0)

    @model_validator(mode="after")
    def _shorter(self) -> Flapping:
        if self.length >= self.every:
            raise ValueError("for must be shorter than every")
        return self


class ImageBehaviour(_Strict):
    start_seconds: float | None = Field(None, alias="startSeconds", ge=0)
    ready_seconds: float | None = Field(None, alias="readySeconds", ge=0)
    stop_seconds: float | None = Field(None, alias="stopSeconds", ge=0)
    crash: bool = False
    never_ready: bool = Field(False, alias="neverReady")
    unhealthy: list[Window] = []  # the app fails its readiness probe in these windows (every pod at once)
    flapping: Flapping | None = None  # and now and then, each pod on its own clock


class PodsSection(_Strict):
    start_seconds: float = Field(1.0, alias="startSeconds", ge=0)
    ready_seconds: float = Field(0.0, alias="readySeconds", ge=0)
    stop_seconds: float | None = Field(None, alias="stopSeconds", ge=0)
    images: dict[str, ImageBehaviour] = {}


class HttpAnswer(_Strict):
    status: int = 200
    body: Any = None  # JSON, sent as the response text


class Step(_Strict):
    """Exactly one of: ``apply`` a manifest file, ``run`` a CLI verb, ``wait`` (``complete`` or seconds)."""

    apply: str | None = None
    run: str | None = None
    wait: Literal["complete"] | Annotated[float, Field(ge=0)] | None = None

    def text(self) -> str:
        """The step as written: ``run: scale deployment/web --replicas 5``."""
        if self.apply is not None:
            return f"apply: {self.apply}"
        if self.run is not None:
            return f"run: {self.run}"
        return f"wait: {self.wait}"

    @model_validator(mode="after")
    def _exactly_one(self) -> Step:
        if sum(v is not None for v in (self.apply, self.run, self.wait)) != 1:
            raise ValueError("a step has exactly one of apply, run, wait")
        return self


class Scenario(_Strict):
    pods: PodsSection = PodsSection()
    nodes: list[NodeSpec] = []  # virtual nodes for BCS placement constraints (default: one)
    steps: list[Step] = Field(min_length=1)
    http: dict[str, HttpAnswer | list[HttpAnswer]] = {}
    until: float = Field(3600.0, gt=0)
    base_dir: Path = Field(Path("."), exclude=True)

    def fetcher(self) -> FakeFetcher:
        """HookRun HTTP answered from ``http`` (a URL not listed is a refused connection)."""
        fake = FakeFetcher()
        for url, answers in self.http.items():
            listed = answers if isinstance(answers, list) else [answers]
            fake.respond(url, *(Response(a.status, json.dumps(a.body)) for a in listed))
        return fake

    def behaviours(self, origin: float = 0.0) -> Behaviours:
        """The pods' behaviours; ``origin`` is the clock time of the scenario's second 0."""
        p = self.pods
        default = Behaviour(start_seconds=p.start_seconds, ready_seconds=p.ready_seconds, stop_seconds=p.stop_seconds)
        images = {
            image: Behaviour(
                start_seconds=default.start_seconds if b.start_seconds is None else b.start_seconds,
                ready_seconds=default.ready_seconds if b.ready_seconds is None else b.ready_seconds,
                stop_seconds=default.stop_seconds if b.stop_seconds is None else b.stop_seconds,
                crash=b.crash,
                never_ready=b.never_ready,
                unhealthy=tuple((origin + w.start, origin + w.end) for w in b.unhealthy),
                flapping=((b.flapping.every, b.flapping.length),) if b.flapping else (),
            )
            for image, b in p.images.items()
        }
        return Behaviours(default, images)


def from_files(files: list[str], until: float = 3600.0) -> Scenario:
    """The ``simulate -f a.yaml -f b.yaml`` shorthand: apply each file once the previous rollout completes."""
    steps: list[Step] = []
    for f in files:
        steps += [Step(apply=str(Path(f).resolve())), Step(wait="complete")]
    if not until > 0:
        raise UsageError(f"--until must be a positive number of virtual seconds (got {until:g})")
    return Scenario(steps=steps, until=until)


def load(path: str) -> Scenario:
    """Read and check a scenario file; every problem is reported with its field path."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except OSError as e:
        raise ManifestError([FieldError("scenario", "Invalid value", e.strerror or str(e), source=path)]) from e
    except UnicodeDecodeError as e:
        raise ManifestError([FieldError("scenario", "Invalid value", f"not a YAML text file (not UTF-8: {e.reason} at byte {e.start})", source=path)]) from e
    try:
        data = YAML(typ="safe").load(text)
    except YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else path
        raise ManifestError([FieldError("scenario", "Invalid value", f"YAML syntax error: {getattr(e, 'problem', e)}", source=where)]) from e
    if not isinstance(data, dict):
        raise ManifestError([FieldError("scenario", "Invalid value", "a scenario is a mapping with pods, steps and until", source=path)])
    try:
        return Scenario.model_validate({**data, "base_dir": source.parent})
    except ValidationError as e:
        raise ManifestError([_field_error(err, path) for err in e.errors()]) from e


def _field_error(err: object, path: str) -> FieldError:
    d = dict(err)  # type: ignore[call-overload]
    loc = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in d["loc"] if not str(p).startswith(("literal[", "constrained")))
    loc = loc.replace(".[", "[")
    if d["type"] == "extra_forbidden":
        return FieldError(loc, "Invalid value", "unknown field", source=path)
    if d["type"] == "missing":
        return FieldError(loc, "Required value", source=path)
    return FieldError(loc, "Invalid value", d["msg"], d.get("input"), True, source=path)

"""What a verification run measured, and how it is summarised (pure: samples in, report out)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FAILURE_KINDS = ("refused", "reset", "timeout", "5xx", "other")


@dataclass(frozen=True)
class Sample:
    t: float  # seconds since the load started
    client: str  # "keepalive" or "new-conn"
    latency: float  # seconds
    failure: str | None  # one of FAILURE_KINDS, or None
    version: str | None  # the version that answered
    detail: str = ""


@dataclass
class Report:
    samples: list[Sample] = field(default_factory=list)
    rollout_started: float | None = None
    rollout_completed: float | None = None
    command: str = ""
    command_output: str = ""
    rollout_error: str | None = None

    @property
    def failures(self) -> list[Sample]:
        return [s for s in self.samples if s.failure is not None]

    @property
    def reason(self) -> str | None:
        """Why the run does not prove anything (None when it passed)."""
        if not self.samples:
            return "no request was made: nothing shows the Service stayed up"
        if self.failures:
            return f"{len(self.failures)} of {len(self.samples)} requests failed"
        if self.rollout_error is not None:
            return self.rollout_error
        if self.rollout_started is not None and self.rollout_completed is None:
            return "the rollout did not complete"
        return None

    @property
    def ok(self) -> bool:
        return self.reason is None

    def to_json(self) -> dict[str, Any]:
        lat = sorted(s.latency for s in self.samples if s.failure is None)
        by_kind = Counter(s.failure for s in self.failures)
        by_client = Counter(s.client for s in self.samples)
        return {
            "requests": len(self.samples),
            "requests_by_client": dict(sorted(by_client.items())),
            "failed": len(self.failures),
            "failures": {k: by_kind.get(k, 0) for k in FAILURE_KINDS},
            "first_failures": [
                {"t": round(s.t, 3), "client": s.client, "kind": s.failure, "detail": s.detail} for s in self.failures[:10]
            ],
            "latency_ms": {"p50": _pct(lat, 0.50), "p99": _pct(lat, 0.99), "max": round(lat[-1] * 1000, 2) if lat else None},
            "versions": self.versions_over_time(),
            "command": self.command,
            "rollout_duration_s": (
                round(self.rollout_completed - self.rollout_started, 3)
                if self.rollout_started is not None and self.rollout_completed is not None
                else None
            ),
            "rollout_error": self.rollout_error,
            "ok": self.ok,
            "reason": self.reason,
        }

    def versions_over_time(self) -> list[dict[str, Any]]:
        """Per whole second of load: how many answers each version gave."""
        buckets: dict[int, Counter[str]] = {}
        for s in self.samples:
            if s.failure is None and s.version is not None:
                buckets.setdefault(int(s.t), Counter())[s.version] += 1
        return [{"second": sec, "versions": dict(sorted(c.items()))} for sec, c in sorted(buckets.items())]


def _pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile, in milliseconds."""
    if not values:
        return None
    idx = max(0, min(len(values) - 1, round(q * len(values) + 0.5) - 1))
    return round(values[idx] * 1000, 2)


def render_text(r: dict[str, Any]) -> str:
    lines = [
        f"requests:        {r['requests']} ({', '.join(f'{k} {v}' for k, v in r['requests_by_client'].items())})",
        f"failed:          {r['failed']}" + ("" if not r["failed"] else "  (" + ", ".join(f"{k} {v}" for k, v in r["failures"].items() if v) + ")"),
        (
            f"latency:         p50 {r['latency_ms']['p50']} ms, p99 {r['latency_ms']['p99']} ms, max {r['latency_ms']['max']} ms"
            if r["latency_ms"]["p50"] is not None
            else "latency:         - (no request was answered)"
        ),
    ]
    if r["command"]:
        dur = r["rollout_duration_s"]
        lines.append(f"during:          {r['command']}")
        lines.append(f"rollout:         {'complete in ' + str(dur) + ' s' if dur is not None else 'NOT complete'}" + (f" ({r['rollout_error']})" if r["rollout_error"] else ""))
    lines.append("versions answering over time:")
    for b in r["versions"]:
        lines.append(f"  {b['second']:>4}s  " + "  ".join(f"{v}={n}" for v, n in b["versions"].items()))
    for f in r["first_failures"]:
        lines.append(f"  failure at {f['t']}s ({f['client']}): {f['kind']} {f['detail']}")
    lines.append("RESULT: " + ("zero failed requests" if r["ok"] else f"FAILED: {r['reason']}"))
    return "\n".join(lines)

"""What a traffic split adds to each request on the built-in HTTP path, piece by piece, in CPU time.

    python bench/split_cost.py   → bench/results/split_cost.json

The end-to-end numbers (``proxy_throughput.py``: ``builtin-http-split`` against
``builtin-http-2rev``) move by tens of microseconds per request on a shared machine; the pieces a
split adds are a few microseconds, so they are timed here alone, in one process, each as the
best of ``REPEAT`` runs of ``NUMBER`` calls (the least disturbed one):

- choosing the backends of a request (``Pool.candidates``) without a split, with a weighted
  split, and for a request pinned by a header route;
- matching a typical request's headers (Host, User-Agent, Accept, Accept-Encoding, Connection)
  against one header route, when they miss and when they match;
- counting the request on its revision's counter (``Counter.answered``), which every request
  pays, split or not.
"""

from __future__ import annotations

import asyncio
import json
import os
import timeit
from collections.abc import Callable
from pathlib import Path

from graceroll.proxy.counters import Counter
from graceroll.proxy.draining import Draining
from graceroll.proxy.pool import Pool
from graceroll.proxy.split import HeaderMatch, HeaderRoute, Split, matcher

RESULTS = Path(__file__).resolve().parent / "results" / "split_cost.json"
NUMBER = 100_000
REPEAT = 9
BACKENDS = tuple((f"127.10.0.{i}", 8080) for i in range(1, 11))  # 10 pods, the first on the new revision
HEADERS = [(b"Host", b"127.1.0.1"), (b"User-Agent", b"wrk"), (b"Accept", b"*/*"), (b"Accept-Encoding", b"gzip"), (b"Connection", b"keep-alive")]
ROUTE = HeaderRoute("beta", (HeaderMatch("X-Canary", "exact", "yes"),))


def best_us(call: Callable[[], object]) -> float:
    return round(min(timeit.repeat(call, number=NUMBER, repeat=REPEAT)) / NUMBER * 1e6, 3)


async def measure() -> dict[str, float]:
    plain = Pool(Draining(), BACKENDS)
    weighted = Pool(Draining(), BACKENDS, Split("web-2", BACKENDS[:1], 10, (ROUTE,)))
    matches = matcher([ROUTE])
    assert matches is not None
    counter = Counter()
    return {
        "candidates_without_split": best_us(plain.candidates),
        "candidates_with_weighted_split": best_us(weighted.candidates),
        "candidates_pinned_by_header_route": best_us(lambda: weighted.candidates(True)),
        "header_match_miss": best_us(lambda: matches(HEADERS)),
        "header_match_hit": best_us(lambda: matches([*HEADERS, (b"X-Canary", b"yes")])),
        "count_request": best_us(lambda: counter.answered(200, 0.0004)),
    }


def main() -> None:
    result = asyncio.run(measure())
    added = result["candidates_with_weighted_split"] - result["candidates_without_split"] + result["header_match_miss"]
    out = {
        "unit": f"microseconds of CPU per request, best of {REPEAT} runs of {NUMBER} calls",
        "cpus": os.cpu_count(),
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "pieces": result,
        "split_adds_per_request": round(added, 3),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    for name, us in result.items():
        print(f"{name:36s} {us:7.3f} us")
    print(f"a weighted split with a header route adds {added:.2f} us per request (choice + a missed header match)")


if __name__ == "__main__":
    main()

"""``GET /metrics`` on the engine's API server (bearer token required, as every API path)."""

from __future__ import annotations

from aiohttp import web

from graceroll.apiserver.extension import Extension
from graceroll.metrics.registry import CONTENT_TYPE, EngineMetrics


def extension(metrics: EngineMetrics) -> Extension:
    async def scrape(request: web.Request) -> web.Response:
        await metrics.traffic.refresh()  # the data plane's counters, at most a second old
        return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE})

    return Extension(routes=[web.get("/metrics", scrape)])

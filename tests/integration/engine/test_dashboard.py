"""The dashboard in headless Chromium (Debian package ``chromium``) driven by Playwright, against a
real engine with a rollout held in progress: the page shows the workload, its revisions and pod
counts, clicking pause really pauses it in the store, and a screenshot is taken and checked.

Playwright never downloads a browser here: it runs ``/usr/bin/chromium``. Skipped only where that
binary is missing (CI installs it).
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import Engine
from .stuck_rollout import hold_rollout

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 60_000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (Debian package: chromium)")


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def login_url(engine: Engine) -> str:
    r = engine.cli("dashboard")
    url = r.out.strip()
    assert url.startswith(engine.url + "/dashboard/login?code="), r.out
    return url


def png_colours(data: bytes) -> int:
    """Distinct pixel values in an 8-bit RGB(A) PNG (what Chromium writes), to tell a page from a blank."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        header, idat = (chunk, idat) if kind == b"IHDR" else (header, idat + chunk if kind == b"IDAT" else idat)
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    seen: set[bytes] = set()
    prev = bytearray(stride)
    for row in range(height):  # undo the PNG filters, row by row
        f, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1 : (row + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        seen.update(bytes(line[i : i + bpp]) for i in range(0, stride, bpp * 7))
        prev = line
    return len(seen)


def test_a_rollout_in_progress_shows_and_pauses_from_the_page(engine: Engine, browser: Any, tmp_path: Path) -> None:
    hold_rollout(engine, tmp_path)
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(login_url(engine))
    card = page.locator('section.workload[data-kind="Deployment"][data-name="web"]')
    card.wait_for(timeout=WAIT_MS)
    page.locator("#connection.live").wait_for(timeout=WAIT_MS)
    assert "default/web" in card.locator("h2").inner_text()
    assert card.locator('[data-field="updated"]').inner_text() == "1/3"
    assert card.locator('[data-field="ready"]').inner_text() == "3/3"
    assert card.locator('[data-field="available"]').inner_text() == "3/3"
    rows = [r.split("\t") for r in card.locator("table.revisions tbody tr").all_inner_texts()]
    assert [(r[0], r[3], r[4]) for r in rows] == [("1", "3", "3"), ("2", "1", "0")]  # revision, pods, ready
    assert "no traffic data" in card.locator('[data-section="traffic"]').inner_text()
    assert "1 out of 3 new replicas have been updated" in card.locator('[data-field="status"]').inner_text()
    assert card.locator("svg.chart path").count() == 4  # pods and ready, for each of the 2 revisions
    assert "ScalingReplicaSet" in card.locator("table.events").inner_text()

    shot = tmp_path / "dashboard.png"
    png = page.screenshot(path=str(shot), full_page=True)
    text = page.inner_text("body")  # what the screenshot shows, read at the same moment
    assert shot.stat().st_size > 10_000 and png_colours(png) > 20
    assert "Deployment" in text and "default/web" in text and "1/3" in text and "3/3" in text

    card.locator('button[data-action="pause"]').click()
    page.locator('section.workload[data-name="web"][data-paused="true"]').wait_for(timeout=WAIT_MS)
    assert engine.get("deployment", "web")["spec"]["paused"] is True
    assert "deployment.apps/web paused" in page.inner_text("#notice")

    card.locator('button[data-action="pause"]').click()  # refused by the verb, with its message
    page.locator("#notice.error", has_text="already paused").wait_for(timeout=WAIT_MS)
    context.close()


def test_the_login_code_works_once_and_writes_need_the_csrf_token(engine: Engine, browser: Any) -> None:
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    page.goto(engine.url + "/dashboard/")
    page.locator("#connection", has_text="not logged in").wait_for(timeout=WAIT_MS)
    url = login_url(engine)
    page.goto(url)
    page.locator("#connection.live").wait_for(timeout=WAIT_MS)
    cookie = next(c for c in context.cookies() if c["name"] == "graceroll_session")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert page.evaluate("document.cookie") == ""  # HttpOnly: no script can read it

    # a write with the cookie but without the session's CSRF token is refused; with it, it goes through
    body = json.dumps({"action": "pause", "kind": "Deployment", "namespace": "default", "name": "nothing"})
    script = "async ([body, csrf]) => (await fetch('/dashboard/api/actions', {method: 'POST', headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body})).status"
    assert page.evaluate(script, [body, "forged"]) == 401
    csrf = page.evaluate("async () => (await (await fetch('/dashboard/api/session')).json()).csrfToken")
    assert page.evaluate(script, [body, csrf]) == 404  # authenticated: the verb says the object is not there

    other = browser.new_context(ignore_https_errors=True).new_page()
    response = other.goto(url)  # the same code again
    assert response.status == 403 and "already used or has expired" in other.inner_text("body")
    context.close()


CANARY = """\
apiVersion: apps.kruise.io/v1alpha1
kind: CloneSet
metadata: {name: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: shop}}
  updateStrategy:
    type: InPlaceIfPossible
    canary:
      steps:
      - partition: 3
      - trafficWeight: 10
      - trafficHeaderRoute: {name: testers, match: [{headerName: X-Canary, headerValue: {exact: "1"}}]}
      - pause: {}
      - partition: 0
  template:
    metadata: {labels: {app: shop}}
    spec:
      containers:
      - name: app
        image: demo:v1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /healthz, port: http}, periodSeconds: 1}
"""


def test_a_cloneset_canary_shows_its_step_and_traffic_routing_and_promote_moves_it_on(engine: Engine, browser: Any, tmp_path: Path) -> None:
    manifest = tmp_path / "shop.yaml"
    manifest.write_text(CANARY)
    engine.cli("apply", "-f", str(manifest))
    engine.cli("rollout", "status", "cloneset/shop", "--timeout", "90")
    engine.cli("set", "image", "cloneset/shop", "app=demo:v2")
    engine.cli("wait", "--for=jsonpath={.status.currentStepIndex}=3", "cloneset/shop", "--timeout=90s")
    revision = engine.get("cloneset", "shop")["status"]["updateRevision"]
    context = browser.new_context(ignore_https_errors=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(login_url(engine))
    card = page.locator('section.workload[data-kind="CloneSet"][data-name="shop"][data-paused="true"]')
    card.wait_for(timeout=WAIT_MS)
    section = card.locator('[data-section="canary"]')
    assert section.locator('[data-field="step"]').inner_text() == "3/5: pause (PausedByCanaryPauseStep)"
    assert section.locator('[data-field="weight"]').inner_text() == f"10% to {revision}"
    assert section.locator('[data-field="route testers"]').inner_text() == 'X-Canary exact "1"'
    assert f"10% and header route testers to revision {revision}" in section.inner_text()
    card.locator('button[data-action="promote"]').click()
    page.locator("#notice", has_text="cloneset.apps.kruise.io/shop resumed").wait_for(timeout=WAIT_MS)
    engine.cli("rollout", "status", "cloneset/shop", "--timeout", "90")
    page.locator('section.workload[data-kind="CloneSet"][data-name="shop"][data-complete="true"]').wait_for(timeout=WAIT_MS)
    assert page.locator('section.workload[data-name="shop"] [data-section="canary"]').count() == 0
    context.close()

// graceroll dashboard: renders /dashboard/api/stream (Server-Sent Events) and sends the buttons'
// actions with the session's CSRF token. Plain DOM, no dependencies; every text goes through
// textContent, never innerHTML, so object names cannot inject markup.
"use strict";

const COLORS = ["#8c959f", "#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df"];
const SVG = "http://www.w3.org/2000/svg";
let csrf = "";
let stream = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function notice(text, error) {
  const n = document.getElementById("notice");
  n.textContent = text;
  n.className = error ? "error" : "";
}

function bar(label, value, desired, cls) {
  const fill = el("div", { class: "fill " + cls });
  fill.style.width = (desired > 0 ? Math.min(100, (100 * value) / desired) : 0) + "%";
  return el("div", { class: "bar", "data-bar": label },
    el("span", {}, label), el("div", { class: "track" }, fill),
    el("span", { "data-field": label }, `${value}/${desired}`));
}

function table(headers, rows, cls) {
  return el("table", { class: cls || "" },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows.map((r) => el("tr", {}, ...r.map((c) => el("td", {}, c))))));
}

// Pods (solid) and ready pods (dashed) per revision over the recorded history, as step lines.
function chart(w, now) {
  const points = w.history;
  const box = svg("svg", { class: "chart", viewBox: "0 0 600 150", preserveAspectRatio: "none", role: "img" });
  if (points.length === 0) return box;
  const t0 = points[0].t, t1 = Math.max(now, t0 + 1);
  let top = w.progress.desired;
  for (const p of points) for (const r of p.revisions) top = Math.max(top, r.pods);
  top = Math.max(top, 1);
  const x = (t) => 4 + (592 * (t - t0)) / (t1 - t0);
  const y = (n) => 146 - (136 * n) / top;
  box.append(svg("line", { x1: 0, x2: 600, y1: y(w.progress.desired), y2: y(w.progress.desired), stroke: "#d8dee4", "stroke-dasharray": "2 3" }));
  const revisions = [];
  for (const p of points) for (const r of p.revisions) if (!revisions.includes(r.revision)) revisions.push(r.revision);
  revisions.forEach((rev, i) => {
    for (const field of ["pods", "ready"]) {
      let d = "", last = 0;
      points.forEach((p, j) => {
        const found = p.revisions.find((r) => r.revision === rev);
        const n = found ? found[field] : 0;
        d += j === 0 ? `M${x(p.t)},${y(n)}` : `H${x(p.t)}V${y(n)}`;
        last = n;
      });
      d += `H${x(t1)}V${y(last)}`;
      box.append(svg("path", { d, fill: "none", stroke: COLORS[i % COLORS.length], "stroke-width": 2,
        "stroke-dasharray": field === "ready" ? "5 3" : "none", "data-revision": rev, "data-series": field }));
    }
  });
  return box;
}

function legend(w) {
  const seen = [];
  for (const p of w.history) for (const r of p.revisions) if (!seen.includes(r.revision)) seen.push(r.revision);
  return el("div", { class: "legend" }, ...seen.map((rev, i) => {
    const sw = el("span", { class: "swatch" });
    sw.style.background = COLORS[i % COLORS.length];
    return el("span", {}, sw, `revision ${rev}`);
  }), el("span", {}, "solid: pods, dashed: ready"));
}

// Filled by the data plane's per-revision counters once one reports (see dashboard/view.py).
function traffic(w) {
  const section = el("div", { class: "traffic", "data-section": "traffic" }, el("h3", {}, "Traffic per revision"));
  if (!w.traffic.available || w.traffic.revisions.length === 0) {
    section.append(el("p", { class: "empty" }, "no traffic data"));
    return section;
  }
  section.append(table(["revision", "service", "requests", "failures", "share"],
    w.traffic.revisions.map((r) => [r.revision, r.service, r.requests, r.failures, `${(100 * r.share).toFixed(1)}%`])));
  return section;
}

// The canary step being walked and what it asks of the data plane (status.trafficRouting).
function canary(w) {
  if (!w.canary) return null;
  const c = w.canary;
  const rows = [];
  // the step as rollout status names it: status.currentStepIndex / the number of steps
  if (c.step < c.steps) rows.push(["step", `${c.step}/${c.steps}: ${c.kind}` + (c.paused.length ? ` (${c.paused.join(", ")})` : "")]);
  rows.push(["traffic", c.routingText]);
  if (c.routing && c.routing.weight !== undefined) rows.push(["weight", `${c.routing.weight}% to ${c.routing.canaryRevision}`]);
  for (const r of (c.routing && c.routing.headerRoutes) || []) {
    const matches = r.match.map((m) => {
      const [how, value] = Object.entries(m.headerValue)[0];
      return `${m.headerName} ${how} "${value}"`;
    });
    rows.push([`route ${r.name}`, matches.join(" and ")]);
  }
  return el("div", { class: "canary", "data-section": "canary" }, el("h3", {}, "Canary"),
    el("table", {}, el("tbody", {}, ...rows.map(([k, v]) => el("tr", {}, el("th", {}, k), el("td", { "data-field": k }, v))))));
}

async function act(w, action, button) {
  button.disabled = true;
  try {
    const res = await fetch("/dashboard/api/actions", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ action, kind: w.kind, namespace: w.namespace, name: w.name }),
    });
    const body = await res.json();
    notice(res.ok ? body.message : `error: ${body.message}`, !res.ok);
  } catch (e) {
    notice(`error: ${e}`, true);
  } finally {
    button.disabled = false;
  }
}

function card(w, now) {
  const p = w.progress;
  const badges = [];
  if (p.paused) badges.push(el("span", { class: "badge paused" }, "paused"));
  if (p.failed) badges.push(el("span", { class: "badge failed" }, "failed"));
  badges.push(p.complete ? el("span", { class: "badge complete" }, "complete") : el("span", { class: "badge" }, "rolling"));
  const buttons = w.actions.map((a) => {
    const b = el("button", { type: "button", "data-action": a }, a);
    b.addEventListener("click", () => act(w, a, b));
    return b;
  });
  const left = el("div", {},
    bar("updated", p.updated, p.desired, "updated"),
    bar("ready", p.ready, p.desired, "ready"),
    bar("available", p.available, p.desired, "available"),
    el("h3", {}, "Revisions"),
    table(["revision", "name", "desired", "pods", "ready", "available"],
      w.revisions.map((r) => [r.revision, r.name, r.desired, r.current, r.ready, r.available]), "revisions"),
    canary(w),
    traffic(w),
    el("div", { class: "actions" }, ...buttons));
  const right = el("div", {},
    el("h3", {}, "Pods by revision over time"), chart(w, now), legend(w),
    el("h3", {}, "Conditions"),
    w.conditions.length ? table(["type", "status", "reason", "message"], w.conditions.map((c) => [c.type, c.status, c.reason, c.message]))
      : el("p", { class: "empty" }, "none"),
    el("h3", {}, "Events"),
    w.events.length ? table(["time", "reason", "object", "message"], w.events.map((e) => [e.time, e.reason, e.object, e.message]), "events")
      : el("p", { class: "empty" }, "none"));
  return el("section", { class: "card workload", "data-kind": w.kind, "data-namespace": w.namespace, "data-name": w.name,
      "data-paused": String(p.paused), "data-complete": String(p.complete) },
    el("h2", {}, el("span", { class: "kind" }, w.kind), `${w.namespace}/${w.name}`, ...badges),
    el("p", { class: "status", "data-field": "status" }, w.status),
    el("div", { class: "cols" }, left, right));
}

function render(state) {
  const main = document.getElementById("workloads");
  main.replaceChildren(...(state.workloads.length ? state.workloads.map((w) => card(w, state.time))
    : [el("section", { class: "card empty" }, "No workloads yet: graceroll apply -f …")]));
  document.getElementById("clock").textContent = new Date(state.time * 1000).toLocaleTimeString();
  document.body.dataset.updated = String(state.time);
}

function connection(text, cls) {
  const c = document.getElementById("connection");
  c.textContent = text;
  c.className = "badge " + cls;
}

function live() {
  stream = new EventSource("/dashboard/api/stream");
  stream.onopen = () => connection("live", "live");
  stream.onmessage = (m) => render(JSON.parse(m.data));
  stream.onerror = () => connection("reconnecting…", "down"); // EventSource retries by itself
}

async function main() {
  document.getElementById("logout").addEventListener("click", async () => {
    if (stream) stream.close();
    await fetch("/dashboard/logout", { method: "POST", credentials: "same-origin", headers: { "X-CSRF-Token": csrf } });
    location.reload();
  });
  const res = await fetch("/dashboard/api/session", { credentials: "same-origin" });
  if (res.status === 401) {
    connection("not logged in", "down");
    document.getElementById("workloads").replaceChildren(document.getElementById("login-needed").content.cloneNode(true));
    return;
  }
  csrf = (await res.json()).csrfToken;
  live();
}

main();

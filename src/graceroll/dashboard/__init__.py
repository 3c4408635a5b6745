"""``graceroll dashboard``: a web page served by the engine showing every workload's rollout live.

Modules: ``sessions`` (one-time codes, session cookies, CSRF), ``view`` (the JSON the page
shows, from the store), ``history`` (pods by revision and readiness over time, recorded as the
store changes), ``actions`` (the buttons, through the CLI's own verbs), ``http`` (routes, the
event stream), ``static/`` (the page: plain HTML, CSS and JavaScript, no build step, no CDN).

Login: browsers cannot send a bearer token on navigation, so ``graceroll dashboard`` asks the
engine (with the token) for a one-time code and prints ``https://HOST:PORT/dashboard/login?code=…``.
Opening it trades the code (single use, 60 seconds) for a session cookie: ``HttpOnly``,
``Secure``, ``SameSite=Strict``, ``Path=/``. That cookie authenticates reads of the dashboard and
of the Kubernetes API; every write made with it must also carry the session's CSRF token in
``X-CSRF-Token`` (the page reads it from ``/dashboard/api/session``, which a cross-site page cannot
read: no CORS headers are ever sent) and, when the browser sends one, an ``Origin`` equal to the
engine's. Sessions live in the engine's memory: a restart logs everyone out (run ``graceroll
dashboard`` again).
"""

"""The service proxy: a Service's address on this machine, balanced over its ready pods.

The engine's half (``watcher``, ``table``) turns the store into a routing table; a data plane
applies it (``graceroll.dataplane``). The built-in data plane is the rest of this package.

- ``routes``         Services + EndpointSlices → listeners and their backends (pure)
- ``table``          the routing table handed to a data plane, and its JSON form
- ``watcher``        the engine's half: store events → a table → ``DataPlane.apply``
- ``headers``        which HTTP headers are passed on (pure)
- ``draining``       pods being drained, and attempts to reach them still in progress
- ``pool``           one listener's backends: round-robin, skipping draining ones
- ``l4``             per-connection balancing: pipe bytes to one backend
- ``http``           per-request balancing with retries that cannot repeat work
- ``upstream``       keep-alive connections to backends, closable one pod at a time
- ``listener_set``   the built-in data plane: listeners for a table, and ``drained()``
- ``daemon``         the built-in data plane as a process of its own, driven over a Unix socket
- ``service_proxy``  watcher and listeners in one process (tests of the proxy alone)
"""

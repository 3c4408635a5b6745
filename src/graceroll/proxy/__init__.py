"""The service proxy: a Service's address on this machine, balanced over its ready pods.

The engine's half (``watcher``, ``table``) turns the store into a routing table; a data plane
applies it (``graceroll.dataplane``). The built-in data plane is the rest of this package.

- ``routes``         Services + EndpointSlices → listeners, their mode, backends and split (pure)
- ``split``          ``status.trafficRouting``: weights and header routes, the seam with the canary
                     steps (pure)
- ``owners``         an endpoint's pod → its revision and workload, read from the store
- ``sniff``          is a connection HTTP/1.x? from its first bytes (pure)
- ``table``          the routing table handed to a data plane, and its JSON form
- ``watcher``        the engine's half: store events → a table → ``DataPlane.apply``
- ``headers``        which HTTP headers are passed on (pure)
- ``framing``        how relayed HTTP bodies are delimited (pure)
- ``draining``       pods being drained, and attempts to reach them still in progress
- ``pool``           one listener's backends: round-robin, skipping draining ones, split in groups
- ``counters``       per-revision traffic counters the data plane process keeps
- ``server``         what every listener shares: accepting, tracking, closing connections
- ``relay``          a byte pipe between two connections (asyncio Protocols)
- ``l4``             per-connection balancing: pipe bytes to one backend
- ``http``           per-request balancing with retries that cannot repeat work
- ``upstream``       keep-alive connections to backends, closable one pod at a time
- ``listener_set``   the built-in data plane: listeners for a table, and ``drained()``
- ``listeners``      a route's mode → its listener
- ``auto``           sniff, then HTTP handling or an L4 pipe
- ``daemon``         the built-in data plane as a process of its own, driven over a Unix socket
- ``service_proxy``  watcher and listeners in one process (tests of the proxy alone)
"""

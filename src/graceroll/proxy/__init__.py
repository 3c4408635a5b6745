"""The service proxy: a Service's address on this machine, balanced over its ready pods.

- ``routes``         Services + EndpointSlices → listeners, their mode and backends (pure)
- ``sniff``          is a connection HTTP/1.x? from its first bytes (pure)
- ``headers``        which HTTP headers are passed on (pure)
- ``framing``        how relayed HTTP bodies are delimited (pure)
- ``draining``       pods being drained, and attempts to reach them still in progress
- ``pool``           one listener's backends: round-robin, skipping draining ones
- ``server``         what every listener shares: accepting, tracking, closing connections
- ``relay``          a byte pipe between two connections (asyncio Protocols)
- ``l4``             per-connection balancing: pipe bytes to one backend
- ``http``           per-request balancing with retries that cannot repeat work
- ``upstream``       keep-alive connections to backends, closable one pod at a time
- ``auto``           sniff, then HTTP handling or an L4 pipe
- ``listeners``      a route's mode → its listener
- ``service_proxy``  the store-driven whole, and ``drained()`` for the node agent
"""

"""The service proxy: a Service's address on this machine, balanced over its ready pods.

- ``routes``         Services + EndpointSlices → listeners and their backends (pure)
- ``headers``        which HTTP headers are passed on (pure)
- ``draining``       pods being drained, and attempts to reach them still in progress
- ``pool``           one listener's backends: round-robin, skipping draining ones
- ``l4``             per-connection balancing: pipe bytes to one backend
- ``http``           per-request balancing with retries that cannot repeat work
- ``upstream``       keep-alive connections to backends, closable one pod at a time
- ``service_proxy``  the store-driven whole, and ``drained()`` for the node agent
"""

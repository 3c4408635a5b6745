"""The service proxy: a Service's address on this machine, balanced over its ready pods.

- ``routes``         Services + EndpointSlices → listeners and their backends (pure)
- ``pool``           one listener's backends: round-robin, draining marks, connect tracking
- ``l4``             per-connection balancing: pipe bytes to one backend
- ``http``           per-request balancing with keep-alive pools and retries
- ``service_proxy``  the store-driven whole, and ``drained()`` for the node agent
"""

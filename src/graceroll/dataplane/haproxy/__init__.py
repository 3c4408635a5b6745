"""HAProxy 2.6 as the data plane: one master-worker process per engine.

- ``config``   the configuration for a routing table (pure)
- ``names``    what servers and backends are named, and what a name says (pure)
- ``weights``  per-server weights that give a traffic split its exact shares (pure)
- ``collector`` HAProxy's traffic counters, from its request log (a process HAProxy runs)
- ``servers``  runtime API commands that turn the servers HAProxy has into the ones wanted (pure)
- ``runtime``  talking to the stats socket and the master CLI; parsing their answers
- ``process``  launch, reload, apply, drain
"""

"""Data planes: what serves the Services' addresses, in a process of its own that outlives the engine.

- ``base``        the ``DataPlane`` interface the engine drives (and the node agent's ``DrainGate``)
- ``choice``      ``builtin`` / ``haproxy`` / ``auto``: which one an engine runs (pure)
- ``record``      the running data plane's pid and start time, in the data dir
- ``supervisor``  find the process an earlier engine left, or start one; restart it if it dies
- ``traffic``     the engine's ``TrafficSource``: the data plane's counters, fetched when read
- ``builtin``     the built-in proxy (``graceroll.proxy.daemon``) driven over a Unix socket
- ``haproxy``     HAProxy 2.6, configured from the table and programmed through its runtime API
"""

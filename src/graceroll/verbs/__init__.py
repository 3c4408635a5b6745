"""The verbs: what ``apply``, ``scale``, ``set image``, ``patch`` and ``rollout`` do to objects in a store.

Each verb is a function of a ``Store`` and plain arguments that returns the lines kubectl would
print and raises graceroll errors with kubectl's messages. The CLI (``cli.commands``), the
simulator's scenario steps and the API server (``patch.apply_patch``) share them, so a verb
behaves the same against the embedded engine, a simulated cluster or a test's ``MemoryStore``.
"""

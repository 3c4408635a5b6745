"""Per-kind views of a workload's rollout: its revision groups, counts and completeness.

The simulator's timeline, ``rollout status`` and ``get`` need the same few facts from every
workload kind; each kind answers them through a ``WorkloadView`` registered here, so shared code
never branches on the kind.
"""

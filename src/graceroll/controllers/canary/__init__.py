"""The step-by-step canary shared by the GameStatefulSet and (graceroll's extension) the CloneSet.

``state`` is the pure state machine over status (BCS's ``pkg/util/canary/canary.go``): which step
runs, when it is complete, when the set pauses or aborts. ``traffic`` is the pure planner of
``status.trafficRouting``, which the data plane reads. ``runs`` creates and retires the canary
step's HookRun, through the store. Each workload controller supplies its own partition arithmetic
and its own handling of ``spec.updateStrategy.paused``.
"""

"""Update orderings shared by OpenKruise workloads (``pkg/util/updatesort``): priority and scatter."""

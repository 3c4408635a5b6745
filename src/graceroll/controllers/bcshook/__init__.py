"""Workload-side BCS hooks, shared by the BCS workloads: which HookRun guards which pod, and
whether it lets the pod be deleted or updated (``kubernetes/common/bcs-hook/{predelete,
preinplace,postinplace}``). Pure over pods and HookRuns; no store.
"""

"""The OpenKruise CloneSet controller (``apps.kruise.io/v1alpha1``), v1.9.0 semantics.

Upstream ``openkruise/kruise:pkg/controller/cloneset`` (reference/openkruise.md §2). Each
reconcile computes one plan (``diff.calculate``) and then takes one step: ``scale`` (create,
delete) and, only when scaling changed nothing, ``update`` (refresh pod states, then update the
chosen pods in place or mark them for recreation). Pure planners: ``params``, ``pods``, ``diff``,
``ordering``, ``scale``, ``update``, ``refresh``, ``revision``, ``status``; ``controller`` writes.
"""

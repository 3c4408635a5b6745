"""The BCS GameStatefulSet controller (``tkex.tencent.com/v1alpha1``), bk-bcs 83deb16 semantics.

Upstream ``bcs-gamestatefulset-operator/pkg/controllers/game_stateful_set_control.go``
and ``game_stateful_set_status_updater.go``. Each reconcile: revisions; canary bookkeeping (``canary``), which
may end the pass; then one ordered walk over the ordinals (``plan``) that creates, deletes,
refreshes and updates pods — in place through the shared ``controllers.inplace`` machinery, or by
hot patch — gated by PreDelete/PreInplace hooks (``controllers.bcshook``); then status. Pure
planners: ``params``, ``pods``, ``plan``, ``canary``, ``status``, ``revision``; ``controller`` writes.
"""

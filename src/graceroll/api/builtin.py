"""Importing this module registers every built-in kind (and nothing else happens at import)."""

from graceroll.api import (
    apps_v1,
    bcs_mesos,
    core_v1,
    core_v1_claims,
    core_v1_config,
    core_v1_namespace,
    discovery_v1,
    kruise_v1alpha1,
    tkex_hooks,
    tkex_v1alpha1,
)

__all__ = ["apps_v1", "bcs_mesos", "core_v1", "core_v1_claims", "core_v1_config", "core_v1_namespace", "discovery_v1", "kruise_v1alpha1", "tkex_hooks", "tkex_v1alpha1"]

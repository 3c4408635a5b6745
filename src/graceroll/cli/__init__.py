"""The ``graceroll`` command line (kubectl-shaped)."""

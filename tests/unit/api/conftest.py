"""Every API test runs with the built-in kinds registered, as the loader and API server do."""

from graceroll.api import builtin  # noqa: F401  (importing it registers the kinds)

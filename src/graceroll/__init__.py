"""graceroll: zero-downtime rolling updates with the semantics of the systems users already know."""

__version__ = "0.1.0"
__all__ = ["__version__"]

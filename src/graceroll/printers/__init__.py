"""Tables for ``get`` (kubectl's columns per kind) and the text of ``describe``.

Importing the package registers the columns of the non-core kinds (``bcs``, ``kruise``, ``mesos``), so that every
reader of the tables (CLI, API server) sees them wherever the built-in ones are imported.
"""

from graceroll.printers import bcs, kruise, mesos

__all__ = ["bcs", "kruise", "mesos"]

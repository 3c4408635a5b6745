"""Tables for ``get`` (kubectl's columns per kind) and the text of ``describe``."""

"""Manifest loading: multi-document YAML and JSON files, directories and stdin.

(Interface fixed; implementation in progress.)
"""

from __future__ import annotations

from graceroll.api.meta import Obj


def load_text(text: str, source: str = "<stdin>") -> list[Obj]:
    """Parse, default and validate every document; raise ``ManifestError`` listing every problem."""
    raise NotImplementedError


def load_path(path: str) -> list[Obj]:
    """A file, a directory (its .yaml/.yml/.json files, sorted) or ``-`` for stdin."""
    raise NotImplementedError

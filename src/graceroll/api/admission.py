"""Admission: default, then validate, an object about to be stored (create or update)."""

from __future__ import annotations

from graceroll.api import kinds
from graceroll.api.meta import Obj, clone
from graceroll.errors import FieldError, Invalid


def admit(obj: Obj, old: Obj | None = None) -> Obj:
    """A defaulted copy of ``obj``; raises ``Invalid`` listing every field error at once.

    ``old`` is the stored object on an update, for rules such as an immutable selector, and for
    the kind's ``prepare_update`` (values the server allocated, which an update may leave out).
    """
    kind_name = obj.get("kind")
    if not isinstance(kind_name, str) or not kind_name:
        raise Invalid("Object", "", [FieldError("kind", "Required value")])
    info = kinds.find(kind_name)
    name = str(meta.get("name", "") if isinstance(meta := obj.get("metadata"), dict) else "")
    if info is None:
        raise Invalid(kind_name, name, [FieldError("kind", "Unsupported value", f"no kind {kind_name!r} is registered", kind_name, True)])
    new = clone(obj)
    new.setdefault("apiVersion", info.api_version)
    if old is not None and info.prepare_update is not None:
        info.prepare_update(new, old)
    if info.default is not None:
        info.default(new)
    errors = info.validate(new) if info.validate is not None else []
    if old is not None and info.validate_update is not None:
        errors += info.validate_update(new, old)
    if errors:
        raise Invalid(kind_name, name, errors)
    return new

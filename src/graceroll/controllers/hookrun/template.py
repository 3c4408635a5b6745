"""``{{ args.NAME }}`` in a web URL, a header value or a PromQL query (``pkg/util/template``).

An arg that is not declared, or declared without a value, makes the measurement an Error: a hook
must never query ``http://:9091/`` because a pod had no IP yet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_ARG = re.compile(r"\{\{\s*args\.([^\s}]+)\s*\}\}")


class TemplateError(ValueError):
    pass


def resolve(text: str, args: Mapping[str, str | None]) -> str:
    def sub(m: re.Match[str]) -> str:
        value = args.get(m.group(1))
        if value is None:
            raise TemplateError(f"failed to resolve {{{{args.{m.group(1)}}}}}")
        return value

    return _ARG.sub(sub, text)

"""Kubernetes resource quantities (``100m``, ``0.5``, ``128Mi``, ``1e3``) as exact numbers.

``k8s.io/apimachinery/pkg/api/resource``: a decimal number with an optional suffix, binary
(``Ki`` … ``Ei``), decimal (``n u m k M G T P E``) or an exponent (``e3``, ``E-2``). Only
comparing quantities is needed here (a pod's QoS class), so they parse into ``Fraction``.
"""

from __future__ import annotations

import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": Fraction(1), "k": Fraction(10**3), "M": Fraction(10**6), "G": Fraction(10**9), "T": Fraction(10**12), "P": Fraction(10**15), "E": Fraction(10**18)}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)$")


def parse(text: object) -> Fraction:
    """The value of a quantity; ``ValueError`` for text that is not one."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return Fraction(str(text))
    m = _QUANTITY.match(str(text).strip()) if isinstance(text, str) else None
    if m is None:
        raise ValueError(f"quantities must match the regular expression {_QUANTITY.pattern!r}")
    number, suffix = Fraction(m.group(1)), m.group(2)
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix[:1] in ("e", "E"):
        return number * Fraction(10) ** int(suffix[1:])
    return number * _DECIMAL[suffix]

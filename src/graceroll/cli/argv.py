"""kubectl's command-line spellings that click does not parse by itself."""

from __future__ import annotations


def kubectl_argv(argv: list[str]) -> list[str]:
    """Accept kubectl's ``-p='{...}'`` spelling: a one-letter flag joined to its value by ``=``
    (``-p=V`` is ``-p V``, as in kubectl's flag parser), up to a literal ``--``."""
    out: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            return out + argv[i:]
        if len(arg) > 2 and arg[0] == "-" and arg[1].isalpha() and arg[2] == "=":
            out += [arg[:2], arg[3:]]
        else:
            out.append(arg)
    return out

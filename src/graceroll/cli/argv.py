"""kubectl's command-line spellings that click does not parse by itself."""

from __future__ import annotations

from typing import Any


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


GLOBAL_OPTIONS = ("--data-dir", "-n", "--namespace", "--server", "--token", "--certificate-authority")


def hoist_global_options(argv: list[str], command: Any) -> list[str]:
    """kubectl's habit: global options may follow the verb (``get pods -n kube-system``, ``up
    --data-dir D``). They are moved in front of it, unless the command has an option of that name
    itself (``operator run -n``); everything after a literal ``--`` stays where it is."""
    front: list[str] = []
    rest: list[str] = []
    cmd = command
    own: set[str] = set()
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            rest += argv[i:]
            break
        name, eq, _ = arg.partition("=")
        if name in GLOBAL_OPTIONS and name not in own:
            take = 1 if eq else 2
            front += argv[i : i + take]
            i += take
            continue
        subcommands = getattr(cmd, "commands", None)  # a command group (Typer's click Group)
        if isinstance(subcommands, dict) and not arg.startswith("-") and arg in subcommands:
            cmd = subcommands[arg]
            own = {opt for param in cmd.params for opt in getattr(param, "opts", ())}
        rest.append(arg)
        i += 1
    return front + rest

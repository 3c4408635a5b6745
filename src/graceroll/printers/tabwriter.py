"""Go's ``text/tabwriter`` as kubectl configures it for ``describe`` (minwidth 0, tabwidth 8,
padding 2, pad with spaces, no flags), so tab-separated describe text aligns as kubectl prints it.

A cell is text ended by a tab; the text after a line's last tab is not a cell. A column block is a
run of consecutive lines that all have a cell in that column: each such cell is padded to the
widest in the block plus two. Blocks nest: column ``k+1`` is aligned within a block of column
``k``. Example: ``["a:\\tx", "long key:\\ty", "z"]`` gives ``a:        x``, ``long key:  y``, ``z``.
"""

from __future__ import annotations

PADDING = 2


def align(lines: list[str]) -> list[str]:
    cells = [line.split("\t") for line in lines]
    widths: list[list[int]] = [[0] * (len(c) - 1) for c in cells]

    def block(first: int, end: int, column: int) -> None:
        i = first
        while i < end:
            if len(cells[i]) - 1 <= column:
                i += 1
                continue
            j = i
            width = 0
            while j < end and len(cells[j]) - 1 > column:
                width = max(width, len(cells[j][column]) + PADDING)
                j += 1
            for k in range(i, j):
                widths[k][column] = width
            block(i, j, column + 1)
            i = j

    block(0, len(lines), 0)
    return ["".join(c.ljust(w) for c, w in zip(row, ws)) + row[-1] for row, ws in zip(cells, widths)]

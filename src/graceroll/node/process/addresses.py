"""Pod addresses: one loopback IP per pod, so every replica binds the same containerPort.

Linux routes all of 127.0.0.0/8 to the loopback interface without any setup, so pods get
127.10.0.1 and up (16.7 million addresses up to 127.255.255.254); 127.0.0.1 stays the host's
(``hostIP``). Addresses ending in .0 or .255 are skipped: valid on ``lo``, but people read them as
network and broadcast addresses.

Allocation is next-fit: after a pod with 127.10.0.7 goes, the next pod gets 127.10.0.8, not .7
again, so a client or proxy still holding the old pod's address does not reach its successor.
A restarted pod asks for the address it had (``status.podIP``) and keeps it when it is free.
"""

from __future__ import annotations

import ipaddress

from graceroll.errors import GracerollError

FIRST = "127.10.0.1"
LAST = "127.255.255.254"


class AddressesExhausted(GracerollError):
    """Every pod address is taken: delete pods (or widen the pool)."""


def _usable(n: int) -> bool:
    return n & 0xFF not in (0, 255)


class AddressPool:
    def __init__(self, first: str = FIRST, last: str = LAST) -> None:
        self._first = int(ipaddress.IPv4Address(first))
        self._last = int(ipaddress.IPv4Address(last))
        if self._first > self._last:
            raise ValueError(f"empty address range {first} - {last}")
        self._cursor = self._first
        self._owner_of: dict[int, str] = {}
        self._address_of: dict[str, int] = {}

    def allocate(self, owner: str, preferred: str | None = None) -> str:
        """The address of ``owner`` (a pod uid): its current one, else ``preferred`` if free, else the next free one."""
        if owner in self._address_of:
            return str(ipaddress.IPv4Address(self._address_of[owner]))
        n = self._preferred(preferred)
        if n is None:
            n = self._next_free()
        self._owner_of[n] = owner
        self._address_of[owner] = n
        return str(ipaddress.IPv4Address(n))

    def release(self, owner: str) -> None:
        n = self._address_of.pop(owner, None)
        if n is not None:
            del self._owner_of[n]

    def in_use(self) -> dict[str, str]:
        """address -> owner, for introspection and tests."""
        return {str(ipaddress.IPv4Address(n)): o for n, o in self._owner_of.items()}

    def _preferred(self, preferred: str | None) -> int | None:
        if not preferred:
            return None
        try:
            n = int(ipaddress.IPv4Address(preferred))
        except ValueError:
            return None
        if self._first <= n <= self._last and _usable(n) and n not in self._owner_of:
            return n
        return None

    def _next_free(self) -> int:
        size = self._last - self._first + 1
        n = self._cursor
        for _ in range(size):
            if _usable(n) and n not in self._owner_of:
                self._cursor = self._first if n == self._last else n + 1
                return n
            n = self._first if n == self._last else n + 1
        raise AddressesExhausted(f"all {len(self._owner_of)} pod addresses are in use")

"""``/openapi/v2``, ``/openapi/v3`` and ``/openapi/v3/<group version>`` over HTTP.

The documents are built once, on the first request, from the kinds registered by then (every kind
registers at import, before the engine serves). Content negotiation is kube-openapi's: v2 answers
JSON or gnostic protobuf, v3 JSON; an ``Accept`` naming neither gets 406 Not Acceptable.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from aiohttp import web

from graceroll.api import kinds
from graceroll.apiserver.openapi import documents, gnostic, schemas
from graceroll.apiserver.public import version_info

JSON = "application/json"
V2_PROTOBUF = (gnostic.CONTENT_TYPE, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")


@dataclass
class Documents:
    """Every document, encoded once."""

    @cached_property
    def _catalogue(self) -> schemas.Catalogue:
        return schemas.catalogue(kinds.all_kinds())

    @cached_property
    def groups(self) -> dict[str, bytes]:
        version = version_info()["gitVersion"]
        cat = self._catalogue
        return {gv: documents.encoded(documents.v3_group(cat, served, version)) for gv, served in documents.group_versions(kinds.all_kinds()).items()}

    @cached_property
    def index(self) -> bytes:
        return documents.encoded(documents.v3_index(self.groups))

    @cached_property
    def v2(self) -> dict[str, Any]:
        return documents.v2(self._catalogue, kinds.all_kinds(), version_info()["gitVersion"])

    @cached_property
    def v2_json(self) -> bytes:
        return documents.encoded(self.v2)

    @cached_property
    def v2_protobuf(self) -> bytes:
        return gnostic.encode(self.v2)


def _accepted(request: web.Request, offered: tuple[str, ...]) -> str | None:
    """The first type of the ``Accept`` header that ``offered`` holds (``*/*`` and ``application/*`` take the first offer)."""
    for clause in (request.headers.get("Accept") or "*/*").split(","):
        media = clause.split(";")[0].strip().lower()
        if media in ("*/*", "application/*", ""):
            return offered[0]
        for o in offered:
            if media == o.lower():
                return o
    return None


def _not_acceptable(offered: tuple[str, ...]) -> web.Response:
    return web.Response(status=406, text=f"406: Not Acceptable: the document is available as {', '.join(offered)}\n")


class OpenApi:
    def __init__(self) -> None:
        self.docs = Documents()

    async def v2(self, request: web.Request) -> web.Response:
        offered = (JSON, *V2_PROTOBUF)
        chosen = _accepted(request, offered)
        if chosen is None:
            return _not_acceptable(offered)
        if chosen == JSON:
            return web.Response(body=self.docs.v2_json, content_type=JSON, headers={"Vary": "Accept"})
        # answered with the spelling without "@", which Go's mime parser (client-go) accepts, as kube-openapi does
        return web.Response(body=self.docs.v2_protobuf, content_type=V2_PROTOBUF[1], headers={"Vary": "Accept"})

    async def v3(self, request: web.Request) -> web.Response:
        if _accepted(request, (JSON,)) is None:
            return _not_acceptable((JSON,))
        gv = request.match_info.get("gv")
        if gv is None:
            return web.Response(body=self.docs.index, content_type=JSON)
        body = self.docs.groups.get(gv)
        if body is None:
            return web.Response(status=404, text="404 page not found\n")
        return web.Response(body=body, content_type=JSON, headers={"Vary": "Accept", "Cache-Control": "public, immutable"})

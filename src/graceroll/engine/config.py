"""The engine's optional config file, ``<data dir>/config.yaml``::

    nodes:                     # virtual nodes for BCS placement constraints (default: one)
      - {name: node-a, innerIP: 127.0.0.1}
      - {name: node-b, innerIP: 127.0.0.2}
    dataPlane: auto            # builtin | haproxy | auto (HAProxy when installed); --data-plane wins

Every node runs its pods on this machine; the nodes only exist for constraints such as
``InnerIP UNIQUE``, which then have as many distinct values to place instances on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from graceroll.controllers.mesos.placement import DEFAULT_NODES, Node
from graceroll.errors import GracerollError


class NodeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(min_length=1)
    inner_ip: str = Field(alias="innerIP", min_length=1)


class EngineConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    nodes: list[NodeSpec] = []
    data_plane: Literal["builtin", "haproxy", "auto"] | None = Field(None, alias="dataPlane")


def nodes_of(specs: list[NodeSpec]) -> tuple[Node, ...]:
    return tuple(Node(s.name, s.inner_ip) for s in specs) or DEFAULT_NODES


def read_config(path: Path) -> EngineConfig:
    """The config at ``path`` (an empty one when the file does not exist); clear errors otherwise."""
    if not path.exists():
        return EngineConfig()
    try:
        data = YAML(typ="safe").load(path.read_text()) or {}
        return EngineConfig.model_validate(data)
    except (YAMLError, OSError) as e:
        raise GracerollError(f"{path}: cannot read: {e}") from e
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors())
        raise GracerollError(f"{path}: {problems}") from e

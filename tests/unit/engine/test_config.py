"""``<data dir>/config.yaml``: the virtual nodes BCS placement constraints see, and the data plane."""

from __future__ import annotations

from pathlib import Path

import pytest

from graceroll.controllers.mesos.placement import DEFAULT_NODES, Node
from graceroll.engine.config import nodes_of, read_config
from graceroll.errors import GracerollError


def test_no_file_means_one_node(tmp_path: Path) -> None:
    assert nodes_of(read_config(tmp_path / "config.yaml").nodes) == DEFAULT_NODES


def test_nodes_are_read_in_order(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("nodes:\n  - {name: node-a, innerIP: 127.0.0.1}\n  - {name: node-b, innerIP: 127.0.0.2}\n")
    assert nodes_of(read_config(path).nodes) == (Node("node-a", "127.0.0.1"), Node("node-b", "127.0.0.2"))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param("nodes:\n  - {name: a}\n", "nodes.0.innerIP: Field required", id="a node without innerIP"),
        pytest.param("nodez: []\n", "nodez: Extra inputs are not permitted", id="an unknown key"),
        pytest.param("nodes: [\n", "cannot read", id="not YAML"),
        pytest.param("dataPlane: nginx\n", "dataPlane: Input should be 'builtin', 'haproxy' or 'auto'", id="an unknown data plane"),
    ],
)
def test_bad_configs_say_where(text: str, error: str, tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(GracerollError, match=error):
        read_config(path)


def test_the_data_plane_is_read_and_defaults_to_none(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    assert read_config(path).data_plane is None  # the engine then picks auto
    path.write_text("dataPlane: builtin\n")
    assert read_config(path).data_plane == "builtin"

"""The graph recipe: GraphCast-like and hierarchical recipes validate; mistakes are explained."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path
from typing import Any

import pytest

from fc_config import ConfigError, json_schema, validate
from fc_config.errors import load_config
from fc_config.recipes.graph import (
    CutoffEdges,
    DatasetNodes,
    GraphRecipe,
    IcosahedralNodes,
    KnnEdges,
    MultiScaleEdges,
    RemoveUnconnectedNodes,
    RestrictEdgeLength,
)

GRAPHCAST: dict[str, Any] = {
    "description": "GraphCast-like: O96 grid, multi-scale icosahedral mesh.",
    "nodes": {
        "data": {
            "builder": {"kind": "dataset", "path": "era5-o96.zarr"},
            "attributes": {"area_weight": {"kind": "voronoi", "norm": "unit-max"}},
        },
        "hidden": {"builder": {"kind": "icosahedral", "resolution": 5}},
    },
    "edges": [
        {
            "source": "data",
            "target": "hidden",
            "builders": [{"kind": "cutoff", "cutoff_factor": 0.6}],
            "attributes": {"edge_length": {"norm": "unit-max"}, "edge_dirs": {}},
        },
        {
            "source": "hidden",
            "target": "hidden",
            "builders": [{"kind": "multi_scale", "x_hops": 1}],
            "attributes": {"edge_length": {}},
        },
        {
            "source": "hidden",
            "target": "data",
            "builders": [{"kind": "knn", "num_nearest_neighbours": 3}],
        },
    ],
}


def _recipe(**changes: Any) -> dict[str, Any]:
    recipe = copy.deepcopy(GRAPHCAST)
    recipe.update(changes)
    return recipe


def _error(data: dict[str, Any]) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        validate(GraphRecipe, data)
    return info.value


def test_graphcast_like_recipe_validates_with_defaults() -> None:
    recipe = validate(GraphRecipe, GRAPHCAST)
    assert isinstance(recipe.nodes["data"].builder, DatasetNodes)
    mesh = recipe.nodes["hidden"].builder
    assert isinstance(mesh, IcosahedralNodes) and mesh.shape == "triangles"
    encoder, processor, decoder = recipe.edges
    assert isinstance(encoder.builders[0], CutoffEdges) and encoder.name == "to"
    assert isinstance(processor.builders[0], MultiScaleEdges)
    assert isinstance(decoder.builders[0], KnnEdges)
    # an attribute named after its kind gets that kind
    assert encoder.attributes["edge_dirs"].kind == "edge_dirs"
    assert recipe.checks.unconnected == "warn"


def test_hierarchical_limited_area_recipe_validates() -> None:
    recipe = validate(
        GraphRecipe,
        {
            "nodes": {
                "data": {
                    "builder": {"kind": "grid", "grid": "N320", "area": [60, -10, 30, 20]},
                    "attributes": {"lam": {"kind": "mask", "variable": "lsm", "dataset": "x"}},
                },
                "hidden_1": {"builder": {"kind": "healpix", "nside": 32}},
                "hidden_2": {"builder": {"kind": "healpix", "nside": 8}},
            },
            "edges": [
                {
                    "source": "data",
                    "target": "hidden_1",
                    "builders": [
                        {"kind": "knn", "num_nearest_neighbours": 6, "source_mask": "lam"}
                    ],
                },
                {
                    "source": "hidden_1",
                    "target": "hidden_2",
                    "builders": [{"kind": "cutoff", "cutoff_factor": 1.5}],
                },
                {
                    "source": "hidden_2",
                    "target": "hidden_2",
                    "builders": [{"kind": "knn", "num_nearest_neighbours": 8}],
                },
                {
                    "source": "hidden_2",
                    "target": "hidden_1",
                    "builders": [{"kind": "knn", "num_nearest_neighbours": 4, "reverse": True}],
                },
                {
                    "source": "hidden_1",
                    "target": "data",
                    "builders": [{"kind": "knn", "num_nearest_neighbours": 3}],
                },
            ],
            "post_processors": [{"remove_unconnected_nodes": {"nodes": "data", "ignore": "lam"}}],
            "checks": {"unconnected": "error"},
        },
    )
    assert len(recipe.edges) == 5 and recipe.edges[3].builders[0].reverse
    step = recipe.post_processors[0]
    assert isinstance(step, RemoveUnconnectedNodes) and step.ignore == "lam"
    assert recipe.checks.unconnected == "error"


def test_unknown_builder_kind_is_suggested() -> None:
    data = _recipe()
    data["nodes"]["hidden"]["builder"]["kind"] = "icosahedron"
    error = _error(data)
    assert "nodes.hidden.builder.kind" in str(error)
    assert "did you mean 'icosahedral'?" in str(error)


def test_edge_set_naming_unknown_node_set_is_located_and_suggested() -> None:
    data = _recipe()
    data["edges"][1]["source"] = "hiden"
    error = _error(data)
    assert error.problems[0].path == "edges[1].source"
    assert error.problems[0].suggestion == "hidden"


def test_unknown_key_is_suggested() -> None:
    data = _recipe()
    data["edges"][2]["builders"][0]["num_nearest_neighbors"] = 3
    del data["edges"][2]["builders"][0]["num_nearest_neighbours"]
    error = _error(data)
    paths = {p.path: p for p in error.problems}
    unknown = paths["edges[2].builders[0].num_nearest_neighbors"]
    assert unknown.suggestion == "num_nearest_neighbours"


def test_anemoi_spellings_rename_or_explain() -> None:
    data = _recipe()
    data["edges"][2] = {
        "source_name": "hidden",
        "target_name": "data",
        "edge_builders": [{"kind": "knn", "num_nearest_neighbours": 3}],
    }
    assert validate(GraphRecipe, data).edges[2].source == "hidden"
    data["nodes"]["hidden"] = {
        "node_builder": {"_target_": "anemoi.graphs.nodes.TriNodes", "resolution": 5}
    }
    message = str(_error(data))
    assert "kind: icosahedral" in message and "_target_" in message


def test_post_processors_accept_anemoi_parameter_names() -> None:
    data = _recipe(
        post_processors=[
            {"kind": "remove_unconnected_nodes", "nodes_name": "data"},
            {
                "kind": "restrict_edge_length",
                "source_name": "data",
                "target_name": "hidden",
                "max_length_km": 500,
            },
        ]
    )
    remove, restrict = validate(GraphRecipe, data).post_processors
    assert isinstance(remove, RemoveUnconnectedNodes) and remove.nodes == "data"
    assert isinstance(restrict, RestrictEdgeLength)
    assert (restrict.source, restrict.target) == ("data", "hidden")


def test_multi_scale_levels_beyond_mesh_resolution_are_rejected() -> None:
    data = _recipe()
    data["edges"][1]["builders"][0]["scale_resolutions"] = [1, 5, 6]
    error = _error(data)
    assert [p.path for p in error.problems] == ["edges[1].builders[0].scale_resolutions[2]"]
    data = _recipe()
    data["edges"][2]["builders"] = [{"kind": "multi_scale"}]
    assert "icosahedral node set to itself" in str(_error(data))


def test_masks_must_name_mask_attributes() -> None:
    data = _recipe()
    data["edges"][0]["builders"][0]["source_mask"] = "area_weight"
    error = _error(data)
    assert error.problems[0].path == "edges[0].builders[0].source_mask"
    assert "mask attribute" in error.problems[0].message


def test_json_schema_exports_builder_kinds() -> None:
    schema = json_schema("graph-recipe")
    assert schema["$id"] == "urn:fc:schema:graph-recipe"
    kinds = {
        d["properties"]["kind"].get("const")
        for d in schema["$defs"].values()
        if "kind" in d.get("properties", {})
    }
    assert {"icosahedral", "healpix", "grid", "knn", "cutoff", "multi_scale"} <= kinds


def test_yaml_recipe_loads(tmp_path: Path) -> None:
    path = tmp_path / "graph.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            nodes:
              data: {builder: {kind: file, path: grid.npz}}
              hidden: {builder: {kind: icosahedral, resolution: 4, shape: triangles}}
            edges:
              - {source: data, target: hidden, builders: [{kind: knn, num_nearest_neighbours: 4}]}
              - source: hidden
                target: data
                builders: [{kind: containing_triangle}]
            post_processors:
              - {kind: restrict_edge_length, source: data, target: hidden, max_length_km: 500}
            """
        )
    )
    recipe = load_config(GraphRecipe, path)
    assert recipe.nodes["data"].builder.kind == "file"
    assert recipe.post_processors[0].kind == "restrict_edge_length"


def test_post_processor_names_are_checked() -> None:
    data = _recipe(post_processors=[{"kind": "remove_unconnected_nodes", "nodes": "dta"}])
    error = _error(data)
    assert error.problems[0].path == "post_processors[0].nodes"
    assert error.problems[0].suggestion == "data"
    data = _recipe(
        post_processors=[
            {"kind": "restrict_edge_length", "source": "data", "target": "data", "max_length_km": 1}
        ]
    )
    assert "no edge set goes from 'data' to 'data'" in str(_error(data))


def test_duplicate_edge_sets_and_unnamed_attribute_kinds_are_rejected() -> None:
    data = _recipe()
    data["edges"].append(copy.deepcopy(data["edges"][0]))
    assert "edges[0] already builds data -to-> hidden" in str(_error(data))
    data = _recipe()
    data["edges"][0]["attributes"] = {"length": {"norm": "unit-max"}}
    error = _error(data)
    assert error.problems[0].path == "edges[0].attributes.length"


def test_masks_outside_dataset_nodes_need_their_dataset() -> None:
    data = _recipe()
    data["nodes"]["hidden"]["builder"]["mask"] = {"variable": "lsm"}
    error = _error(data)
    assert [p.path for p in error.problems] == ["nodes.hidden.builder.mask.dataset"]
    data["nodes"]["hidden"]["builder"]["mask"]["dataset"] = "lsm.zarr"
    data["nodes"]["data"]["builder"]["mask"] = {"variable": "lsm"}  # reads its own dataset
    assert validate(GraphRecipe, data).nodes["hidden"].builder.mask is not None


@pytest.mark.parametrize(
    ("builder", "path"),
    [
        ({"kind": "healpix", "nside": 12}, "nodes.hidden.builder.nside"),
        ({"kind": "grid", "grid": "O96x"}, "nodes.hidden.builder.grid"),
        (
            {"kind": "icosahedral", "resolution": 3, "area": [10, 0, 20, 5]},
            "nodes.hidden.builder.area",
        ),
    ],
)
def test_bad_builder_parameters_are_located(builder: dict[str, Any], path: str) -> None:
    data = _recipe()
    data["nodes"]["hidden"]["builder"] = builder
    data["edges"] = []
    assert [p.path for p in _error(data).problems] == [path]


def test_normalisations_that_cannot_scale_an_attribute_are_refused() -> None:
    from fc_config.errors import validate
    from fc_config.exceptions import ConfigError
    from fc_config.recipes.graph import GraphRecipe

    recipe: dict = {
        "nodes": {"data": {"builder": {"kind": "grid", "grid": "O16"}}},
        "edges": [
            {
                "source": "data",
                "target": "data",
                "builders": [{"kind": "knn", "num_nearest_neighbours": 3}],
                "attributes": {"edge_dirs": {"norm": "unit-sum"}},
            }
        ],
    }
    with pytest.raises(ConfigError, match=r"edges\[0\]\.attributes\.edge_dirs: edge_dirs comp"):
        validate(GraphRecipe, recipe)
    recipe["edges"] = []
    recipe["nodes"]["data"]["attributes"] = {"w": {"kind": "uniform", "norm": "unit-std"}}
    with pytest.raises(ConfigError, match=r"nodes\.data\.attributes\.w: uniform weights"):
        validate(GraphRecipe, recipe)


def test_anemoi_classes_whose_keys_differ_say_which() -> None:
    from fc_config.errors import validate
    from fc_config.exceptions import ConfigError
    from fc_config.recipes.graph import GraphRecipe

    builder = {"_target_": "anemoi.graphs.nodes.HEALPixNodes", "resolution": 3}
    with pytest.raises(ConfigError, match=r"kind: healpix \(resolution: r becomes nside: 2\*\*r\)"):
        validate(GraphRecipe, {"nodes": {"hidden": {"builder": builder}}})

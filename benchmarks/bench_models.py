"""fc-models: forward+backward time and peak memory at O96, side by side with Anemoi's graph transformer.

The configuration of issue #5: the graph of configs/graphs/knn-decoder.yaml (O96 grid of 40,320
points, icosahedral level-5 mesh of 10,242 nodes, cut-off 0.6 encoder, multi-scale processor,
KNN-3 decoder, edge_length and edge_dirs as edge features), 25 prognostic variables, two input
steps (Anemoi's default), 128 channels, 4 processor layers, 4 heads, MLP ratio 4, 8 learned
features per node and edge (Anemoi's default trainable_parameters), batch 1, float32 on the CPU.

Every configuration runs in a fresh process, so that peak memory (the process's peak resident
set, imports included) is its own; a process times BENCH_REPEAT steps after one warm-up and
reports their median. For the comparison fc and Anemoi take turns for BENCH_ROUNDS rounds of
fresh processes; figures are medians over the rounds and ratios medians of the per-round ratios. Anemoi runs from its own
virtual environment (ANEMOI_MODELS_VENV, default /tmp/anemoi-models-venv, with anemoi-models,
torch < 2.11 and torch-geometric); its processor keeps Anemoi's default of 2 chunks. Both use
BENCH_THREADS (default 2) threads. Figures taken while other jobs share the machine are noisy.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "build" / "bench" / "models"
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
ANEMOI = Path(os.environ.get("ANEMOI_MODELS_VENV", "/tmp/anemoi-models-venv"))
RECIPE = ROOT / "configs" / "graphs" / "knn-decoder.yaml"
VARIABLES, MULTISTEP, CHANNELS, LAYERS, HEADS = 25, 2, 128, 4, 4

# Timing loop shared by both children: warm-up, then the median of `repeat` runs.
_TIMING = """
import json, resource, statistics, sys, time
import torch
torch.set_num_threads({threads})
torch.manual_seed(0)

def _timed(step, repeat):
    step()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)

def _report(net, x, call, mode, repeat):
    params = sum(p.numel() for p in net.parameters() if p.requires_grad)
    def train():
        call(net, x).float().square().mean().backward()
        net.zero_grad(set_to_none=True)
    def infer():
        with torch.no_grad():
            call(net, x)
    seconds = _timed(train if mode == "train" else infer, repeat)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({{"params": params, "seconds": seconds, "peak_mb": peak}}))
"""

_FC_CHILD = """
from fc_config.model import ModelConfig
from fc_models.graph import GraphTensors
from fc_models.network import build_network
graph_path, mode, options, repeat = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4])
config = ModelConfig.model_validate(options)
net = build_network(config, GraphTensors.from_graph_file(graph_path), num_inputs={variables},
                    num_outputs={variables}, multistep={multistep})
x = torch.randn(1, {multistep}, net.num_data, {variables})
_report(net, x, lambda net, x: net(x), mode, repeat)
"""

_ANEMOI_CHILD = """
import numpy as np
from omegaconf import OmegaConf
from torch_geometric.data import HeteroData
from anemoi.models.data_indices.collection import IndexCollection
from anemoi.models.models import AnemoiModelEncProcDec
arrays_path, mode, checkpoint, repeat = sys.argv[1], sys.argv[2], sys.argv[3] == "1", int(sys.argv[4])
arrays = np.load(arrays_path)
graph = HeteroData()
for key in arrays.files:
    parts = key.split("|")
    tensor = torch.from_numpy(arrays[key])
    if parts[0] == "nodes" and parts[2] == "coords":
        graph[parts[1]].x = tensor.float()           # Anemoi reads the coordinates from x
    elif parts[0] == "edges":
        store = graph[tuple(parts[1:4])]
        if parts[4] == "edge_index":
            store.edge_index = tensor
        else:
            store[parts[4]] = tensor.float().reshape(tensor.shape[0], -1)
edges = ["edge_length", "edge_dirs"]
common = dict(cpu_offload=False, gradient_checkpointing=checkpoint, mlp_hidden_ratio=4,
              num_heads={heads}, qk_norm=False, layer_kernels={{}}, graph_attention_backend="pyg",
              _convert_="all", num_channels={channels}, trainable_size=8,
              sub_graph_edge_attributes=edges)
mapper = "anemoi.models.layers.mapper.GraphTransformer"
config = OmegaConf.create({{"model": {{
    "model": {{"_target_": "anemoi.models.models.AnemoiModelEncProcDec",
               "hidden_nodes_name": "hidden", "latent_skip": True}},
    "node_trainable_parameters": {{"data": 8, "hidden": 8}},
    "bounding": [],
    "latent_aggregator": {{"_target_": "anemoi.models.layers.aggregator.SumAggregator"}},
    "residual": {{"_target_": "anemoi.models.layers.residual.SkipConnection"}},
    "processor": {{"_target_": "anemoi.models.layers.processor.GraphTransformerProcessor",
                   "num_layers": {layers}, "num_chunks": 2, **common}},
    "encoders": {{"data": {{"source_datasets": ["data"], "dataset_fusing_strategy": "not_supported",
        "mapper": {{"_target_": mapper + "ForwardMapper", "num_chunks": 1, **common}}}}}},
    "decoders": {{"data": {{"target_datasets": ["data"], "target_node_features": ["encoded_data"],
        "mapper": {{"_target_": mapper + "BackwardMapper", "num_chunks": 1,
                   "initialise_data_extractor_zero": False, **common}}}}}},
}}}})
names = {{f"v{{i}}": i for i in range({variables})}}
indices = {{"data": IndexCollection(OmegaConf.create({{"forcing": [], "diagnostic": []}}), names)}}
net = AnemoiModelEncProcDec(model_config=config, data_indices=indices, statistics={{"data": {{}}}},
                            n_step_input={multistep}, n_step_output=1, graph_data=graph)
x = {{"data": torch.randn(1, {multistep}, 1, graph["data"].num_nodes, {variables})}}
_report(net, x, lambda net, x: net(x)["data"], mode, repeat)
"""


def _child(template: str) -> str:
    sizes = {
        "variables": VARIABLES,
        "multistep": MULTISTEP,
        "channels": CHANNELS,
        "layers": LAYERS,
        "heads": HEADS,
    }
    return _TIMING.format(threads=THREADS) + template.format(**sizes)


def _graph() -> tuple[Path, Path, dict[str, int]]:
    """Build (once) the graph; write it as an fc graph file and as arrays for Anemoi."""
    import numpy as np

    WORK.mkdir(parents=True, exist_ok=True)
    graph_file, arrays_file = WORK / "o96-l5.graph", WORK / "o96-l5.npz"
    if not (graph_file.exists() and arrays_file.exists()):
        from fc_graphs.build import build_graph, load_recipe
        from fc_graphs.graph_file import save_graph

        graph = build_graph(load_recipe(RECIPE))
        save_graph(graph, graph_file)
        arrays = {f"nodes|{n}|{a}": v for n, s in graph.nodes.items() for a, v in s.items()}
        arrays |= {
            "edges|" + "|".join(k) + f"|{a}": v
            for k, s in graph.edges.items()
            for a, v in s.items()
        }
        np.savez(arrays_file, **arrays)  # type: ignore[arg-type]
    sizes: dict[str, int] = {}
    with np.load(arrays_file) as arrays:
        for key in arrays.files:
            parts = key.split("|")
            if parts[0] == "nodes" and parts[2] == "coords":
                sizes[f"{parts[1]} nodes"] = int(arrays[key].shape[0])
            elif parts[0] == "edges" and parts[4] == "edge_index":
                sizes[f"{parts[1]}→{parts[3]} edges"] = int(arrays[key].shape[1])
    return graph_file, arrays_file, sizes


def _run(python: str, code: str, args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [python, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": str(THREADS)},
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _fc_options(kind: str, checkpointing: str, chunks: int) -> dict[str, Any]:
    processor: dict[str, Any] = {"kind": kind, "num_layers": LAYERS, "num_chunks": chunks}
    mapper: dict[str, Any] = {"num_chunks": chunks}
    if kind != "gnn":
        processor["num_heads"] = mapper["num_heads"] = HEADS
    if kind == "transformer":
        processor["window"] = 512
    return {
        "num_channels": CHANNELS,
        "processor": processor,
        "encoder": mapper,
        "decoder": dict(mapper),
        "activation_checkpointing": checkpointing,
    }


def _median(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Median time and peak over several runs of one configuration."""
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "peak_mb": statistics.median(r["peak_mb"] for r in results),
    }


def _figure(result: dict[str, Any]) -> str:
    return f"{result['seconds']:6.2f} s   peak {result['peak_mb'] / 1024:4.2f} GB"


def run() -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    graph_file, arrays_file, sizes = _graph()
    rows.append(("graph", ", ".join(f"{v:,} {k}" for k, v in sizes.items())))
    fc_code, anemoi_code = _child(_FC_CHILD), _child(_ANEMOI_CHILD)
    anemoi_python = ANEMOI / "bin" / "python"
    have_anemoi = anemoi_python.exists()
    if not have_anemoi:
        rows.append(("anemoi", f"not installed at {ANEMOI}: fc figures only"))

    def fc(kind: str, mode: str, checkpointing: str = "none", chunks: int = 1) -> dict[str, Any]:
        options = json.dumps(_fc_options(kind, checkpointing, chunks))
        return _run(sys.executable, fc_code, [str(graph_file), mode, options, str(REPEAT)])

    def anemoi(mode: str, checkpoint: bool) -> dict[str, Any]:
        args = [str(arrays_file), mode, "1" if checkpoint else "0", str(REPEAT)]
        return _run(str(anemoi_python), anemoi_code, args)

    # the graph transformer, fc and Anemoi taking turns, ROUNDS fresh processes each
    settings = [
        ("forward+backward", "train", "none", False),
        ("forward+backward, checkpointing", "train", "all", True),
        ("forward without gradients", "infer", "none", False),
    ]
    speedups = []
    for label, mode, checkpointing, anemoi_checkpoint in settings:
        ours, theirs = [], []
        for _ in range(ROUNDS):
            ours.append(fc("graph_transformer", mode, checkpointing))
            if have_anemoi:
                theirs.append(anemoi(mode, anemoi_checkpoint))
        if mode == "train" and checkpointing == "none":
            rows.append(("graph transformer parameters, fc", f"{ours[0]['params']:,}"))
            if theirs:
                rows.append(("graph transformer parameters, Anemoi", f"{theirs[0]['params']:,}"))
        rows.append((f"graph transformer, {label}: fc", _figure(_median(ours))))
        if theirs:
            rows.append((f"graph transformer, {label}: Anemoi", _figure(_median(theirs))))
            # paired by round, so that a busy minute slows both sides of a ratio alike
            pairs = list(zip(ours, theirs, strict=True))
            ratio = statistics.median(t["seconds"] / o["seconds"] for o, t in pairs)
            memory = statistics.median(t["peak_mb"] / o["peak_mb"] for o, t in pairs)
            speedups.append(ratio)
            rows.append(("  Anemoi / fc: time, peak memory", f"{ratio:.2f}×, {memory:.2f}×"))

    # memory options of fc's graph transformer
    for checkpointing in ("none", "processor", "all"):
        result = fc("graph_transformer", "train", checkpointing, chunks=4)
        rows.append(
            (f"graph transformer, 4 chunks, checkpointing {checkpointing}", _figure(result))
        )
    result = fc("graph_transformer", "infer", "none", chunks=4)
    rows.append(("graph transformer, 4 chunks, forward without gradients", _figure(result)))

    # the other processors
    for kind in ("gnn", "transformer"):
        for checkpointing in ("none", "all"):
            result = fc(kind, "train", checkpointing)
            if checkpointing == "none":
                rows.append((f"{kind} parameters", f"{result['params']:,}"))
            rows.append(
                (f"{kind}, forward+backward, checkpointing {checkpointing}", _figure(result))
            )
        rows.append((f"{kind}, forward without gradients", _figure(fc(kind, "infer"))))
    if speedups:
        rows.append(("median speed-up over Anemoi", f"{statistics.median(speedups):.2f}×"))
    rows.append(("note", "preliminary if other jobs shared the machine; rerun on a quiet one"))
    return rows


if __name__ == "__main__":
    for label, figure in run():
        print(f"{label:<58} {figure}")

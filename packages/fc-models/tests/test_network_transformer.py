"""The transformer processor: the sliding window really limits attention; the curve order."""

from __future__ import annotations

import math

import pytest
import torch
from torch.nn import functional as F

from fc_models.layers.attention import TransformerLayer, morton_order, window_attention

from .tiny_graph import sphere_points

N, CHANNELS, HEADS = 50, 8, 2


def _layer(window: int | None) -> TransformerLayer:
    torch.manual_seed(0)
    return TransformerLayer(CHANNELS, HEADS, 16, window, 0.0, "gelu", "layer_norm")


def test_window_attention_equals_masked_full_attention() -> None:
    generator = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(2, HEADS, N, 4, generator=generator) for _ in range(3))
    window = 9
    positions = torch.arange(N)
    band = (positions[:, None] - positions[None, :]).abs() <= window // 2
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=band)
    for chunks in (1, 3):
        got = window_attention(q, k, v, window, num_chunks=chunks)
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("window", [1, 6, 9])
def test_a_change_outside_the_window_does_not_reach_a_node(window: int) -> None:
    layer = _layer(window)
    x = torch.randn(1, N, CHANNELS, generator=torch.Generator().manual_seed(1))
    # a random change: adding a constant to every channel would vanish in the layer norm
    change = 5 * torch.randn(CHANNELS, generator=torch.Generator().manual_seed(2))
    node, half = 20, window // 2
    base = layer(x)[0, node]
    for other in (node - half - 1, node + half + 1, 0, N - 1):
        changed = x.clone()
        changed[0, other] += change
        torch.testing.assert_close(layer(changed)[0, node], base, msg=f"node {other} leaked in")
    for other in (node - half, node + half):
        inside = x.clone()
        inside[0, other] += change
        assert not torch.allclose(layer(inside)[0, node], base), f"node {other} is not seen"


def test_full_attention_sees_every_node() -> None:
    layer = _layer(None)
    x = torch.randn(1, N, CHANNELS, generator=torch.Generator().manual_seed(1))
    changed = x.clone()
    changed[0, N - 1] += 5 * torch.randn(CHANNELS, generator=torch.Generator().manual_seed(2))
    assert not torch.allclose(layer(changed)[0, 0], layer(x)[0, 0])


def _steps(coords: torch.Tensor) -> torch.Tensor:
    """Great-circle distances between consecutive nodes."""
    lat, lon = coords[:, 0], coords[:, 1]
    cos = (
        lat[1:].sin() * lat[:-1].sin() + lat[1:].cos() * lat[:-1].cos() * (lon[1:] - lon[:-1]).cos()
    )
    return torch.acos(cos.clamp(-1, 1))


def test_window_nodes_are_close_on_the_sphere() -> None:
    coords = sphere_points(2000, 5)  # in random order
    order = morton_order(coords)
    assert sorted(order.tolist()) == list(range(2000))
    along_curve = _steps(coords[order]).median()
    # neighbours among 2,000 points are ~0.08 rad apart, random pairs ~pi/2
    assert along_curve < 0.15
    assert _steps(coords).median() > math.pi / 4

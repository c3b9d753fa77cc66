"""The sparse kernels of message passing: attention along edges, gathers, sums, edge sets."""

from __future__ import annotations

import pytest
import torch

from fc_models.layers.edges import EdgeSet
from fc_models.layers.sparse import (
    AttentionPattern,
    EdgeIndex,
    edge_attention,
    gather_rows,
    sum_at_targets,
)

N_SRC, N_DST, N_EDGES, HEADS, DIM, FEATURES = 7, 5, 16, 3, 4, 2


@pytest.fixture
def edges() -> EdgeIndex:
    """Random edges (with repeats) sorted by target; the last target has no edge."""
    generator = torch.Generator().manual_seed(0)
    src = torch.randint(0, N_SRC, (N_EDGES,), generator=generator)
    dst = torch.randint(0, N_DST - 1, (N_EDGES,), generator=generator)
    order = torch.argsort(dst * N_SRC + src, stable=True)
    return EdgeIndex.build(src[order], dst[order], N_SRC, N_DST)


def _dense_attention(q, k, v, g, f, edges):  # type: ignore[no-untyped-def]
    """The attention written edge by edge, as the definition reads."""
    out = torch.zeros(N_DST * HEADS, DIM, dtype=q.dtype)
    feats = torch.zeros(N_DST * HEADS, FEATURES, dtype=q.dtype)
    for node in range(N_DST):
        incoming = (edges.dst == node).nonzero().flatten()
        for head in range(HEADS):
            if len(incoming) == 0:
                continue
            row, cols = node * HEADS + head, edges.src[incoming] * HEADS + head
            logits = (q[row] * k[cols]).sum(-1) + (g[row] * f[incoming]).sum(-1)
            weights = torch.softmax(logits, 0)
            out[row] = (weights[:, None] * v[cols]).sum(0)
            feats[row] = (weights[:, None] * f[incoming]).sum(0)
    return out, feats


def _attention_inputs() -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(1)
    shapes = [
        (N_DST * HEADS, DIM),
        (N_SRC * HEADS, DIM),
        (N_SRC * HEADS, DIM),
        (N_DST * HEADS, FEATURES),
        (N_EDGES, FEATURES),
    ]
    return [
        torch.randn(shape, generator=generator, dtype=torch.float64).requires_grad_()
        for shape in shapes
    ]


def test_edge_attention_matches_its_definition(edges: EdgeIndex) -> None:
    pattern = AttentionPattern.build(edges, HEADS)
    inputs = _attention_inputs()
    got = edge_attention(*inputs, pattern)
    expected = _dense_attention(*inputs, edges)
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b)
    assert torch.equal(got[0][(N_DST - 1) * HEADS :], torch.zeros(HEADS, DIM, dtype=torch.float64))


def test_edge_attention_gradients(edges: EdgeIndex) -> None:
    pattern = AttentionPattern.build(edges, HEADS)
    assert torch.autograd.gradcheck(lambda *a: edge_attention(*a, pattern), _attention_inputs())


def test_edge_attention_is_stable_for_large_logits(edges: EdgeIndex) -> None:
    pattern = AttentionPattern.build(edges, HEADS)
    q, k, v, g, f = (t.detach().float() for t in _attention_inputs())
    out, _ = edge_attention(q * 1e3, k * 1e3, v, g, f, pattern)
    assert torch.isfinite(out).all()


def test_gather_and_sum_gradients(edges: EdgeIndex) -> None:
    x_src = torch.randn(N_SRC, 2, 3, dtype=torch.float64, requires_grad=True)
    x_dst = torch.randn(N_DST, 2, 3, dtype=torch.float64, requires_grad=True)
    e = torch.randn(N_EDGES, 2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: gather_rows(x, edges, "src"), (x_src,))
    assert torch.autograd.gradcheck(lambda x: gather_rows(x, edges, "dst"), (x_dst,))
    assert torch.autograd.gradcheck(lambda x: sum_at_targets(x, edges), (e,))
    expected = torch.zeros(N_DST, 2, 3, dtype=torch.float64).index_add(0, edges.dst, e)
    torch.testing.assert_close(sum_at_targets(e, edges), expected)


def test_edge_set_sorts_edges_by_target_and_chunks_them() -> None:
    index = torch.tensor([[0, 2, 1, 0, 2], [2, 0, 2, 1, 0]])
    features = torch.arange(5.0)[:, None]
    edge_set = EdgeSet(index, features, n_src=3, n_dst=3, trainable=0)
    assert edge_set.dst.tolist() == [0, 0, 1, 2, 2]
    assert edge_set.features.flatten().tolist() == [1, 4, 3, 0, 2]
    chunks = edge_set.chunks(2)
    assert [(c.start, c.stop, c.first_edge, c.last_edge) for c in chunks] == [
        (0, 2, 0, 3),
        (2, 3, 3, 5),
    ]
    assert chunks[1].edges.dst.tolist() == [0, 0]

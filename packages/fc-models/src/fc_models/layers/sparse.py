"""Message passing as sparse-matrix products: gathers, sums at targets and attention over edges.

Why sparse matrices
-------------------
The textbook way to pass messages gathers the source node of every edge into an ``[E, C]``
tensor, computes on it and scatter-adds the result at the target nodes. On a CPU both steps are
memory-bound, and autograd stores the gathered tensors for the backward pass. Here an edge set is
held as compressed sparse rows (CSR) sorted by target node, and every step is a product of a
sparse matrix with a dense one (``torch.sparse.mm`` / ``sampled_addmm``, multi-threaded kernels):

* a sum of edge values at each target is ``T @ e`` with ``T`` the ``[targets, edges]`` incidence
  matrix, and its gradient a plain row gather;
* attention along edges (:func:`edge_attention`) never materialises a per-edge ``[E, C]`` tensor:
  the logits are a *sampled* product ``(q kᵀ)`` on the edges, the output ``A v`` a sparse product,
  and the backward pass is written by hand with the same kernels and the transposed pattern.

Heads and batch
---------------
Node tensors are node-major ``[n, batch, heads·d]``, so viewing them as ``[n·batch·heads, d]``
costs nothing. Row ``i·vh + h`` of that view is node ``i`` in *virtual head* ``h`` (one per batch
member and head, ``vh = batch·heads``); an :class:`AttentionPattern` is the edge set's CSR
repeated block-wise for the ``vh`` virtual heads, built once per batch size and cached.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

__all__ = [
    "AttentionPattern",
    "EdgeIndex",
    "edge_attention",
    "gather_rows",
    "sum_at_targets",
]


def _csr(crow: Tensor, col: Tensor, values: Tensor, shape: tuple[int, int]) -> Tensor:
    """A CSR tensor without the invariant checks (the patterns are built correct here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "sparse CSR support is in beta"
        return torch.sparse_csr_tensor(crow, col, values, shape, check_invariants=False)


def _spmm(
    crow: Tensor, col: Tensor, values: Tensor, shape: tuple[int, int], dense: Tensor
) -> Tensor:
    """``CSR(crow, col, values) @ dense`` for a 2-D ``dense``, outside any autocast region."""
    with torch.autocast(dense.device.type, enabled=False):
        return torch.sparse.mm(_csr(crow, col, values, shape), dense.contiguous())


def _sampled(crow: Tensor, col: Tensor, shape: tuple[int, int], a: Tensor, b: Tensor) -> Tensor:
    """Values of ``a @ b.T`` at the non-zeros of the pattern ``(crow, col)``, in pattern order."""
    pattern = _csr(crow, col, a.new_zeros(col.shape[0]), shape)
    with warnings.catch_warnings(), torch.autocast(a.device.type, enabled=False):
        warnings.simplefilter("ignore")
        out = torch.sparse.sampled_addmm(pattern, a.contiguous(), b.t(), beta=0.0)
    return out.values()


def _row_pointers(counts: Tensor) -> Tensor:
    """CSR row pointers (int32) from the number of non-zeros of each row."""
    crow = torch.zeros(counts.shape[0] + 1, dtype=torch.int64, device=counts.device)
    torch.cumsum(counts, 0, out=crow[1:])
    if int(crow[-1]) >= 2**31:
        raise ValueError("more than 2**31 non-zeros: split the edges into more chunks")
    return crow.int()


def _transpose(rows: Tensor, cols: Tensor, n_cols: int) -> tuple[Tensor, Tensor, Tensor]:
    """The CSR of the transpose: ``(crow_t, col_t, perm)`` with ``values_t = values[perm]``.

    ``rows`` and ``cols`` give each non-zero's row and column in the original (row-major) order;
    a stable sort by column keeps rows ascending within each column. ``col_t`` is int32 (a CSR
    index), ``perm`` int64 (for indexing).
    """
    perm = torch.argsort(cols, stable=True)
    crow = _row_pointers(torch.bincount(cols, minlength=n_cols))
    return crow, rows[perm].int(), perm


@dataclass(frozen=True)
class EdgeIndex:
    """An edge set sorted by target, with the CSR structures of both directions.

    Attributes
    ----------
    src, dst
        Source and target node of each edge (int64 ``[E]``); ``dst`` is non-decreasing and
        counts from the first target of this (possibly partial) edge set.
    n_src, n_dst
        Sizes of the source and target node sets.
    crow, edge_ids
        CSR of the ``[n_dst, E]`` target incidence matrix (the column of edge ``e`` is ``e``).
    src_crow, src_edges
        CSR of the ``[n_src, E]`` source incidence matrix: the edges leaving each source node.

    The CSR indices are int32, which the sparse kernels take without converting them.
    """

    src: Tensor
    dst: Tensor
    n_src: int
    n_dst: int
    crow: Tensor
    edge_ids: Tensor
    src_crow: Tensor
    src_edges: Tensor

    @classmethod
    def build(cls, src: Tensor, dst: Tensor, n_src: int, n_dst: int) -> EdgeIndex:
        """Index edges already sorted by ``dst`` (the caller sorts once, at build time)."""
        crow = _row_pointers(torch.bincount(dst, minlength=n_dst))
        edges = torch.arange(src.shape[0], device=src.device)
        src_crow, src_edges, _ = _transpose(edges, src, n_src)
        return cls(src, dst, n_src, n_dst, crow, edges.int(), src_crow, src_edges.int())

    @property
    def num_edges(self) -> int:
        """Number of edges."""
        return int(self.src.shape[0])


class _Gather(torch.autograd.Function):
    """``x[index]`` whose backward is a sparse product with the transposed incidence matrix."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, index: Tensor, crow_t: Tensor, col_t: Tensor) -> Tensor:
        ctx.save_for_backward(crow_t, col_t)
        ctx.n_rows = x.shape[0]
        return x.index_select(0, index)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
        crow_t, col_t = ctx.saved_tensors
        dtype = torch.promote_types(grad.dtype, torch.float32)
        flat = grad.reshape(grad.shape[0], -1).to(dtype)
        values = torch.ones(col_t.shape[0], dtype=dtype, device=grad.device)
        out = _spmm(crow_t, col_t, values, (ctx.n_rows, grad.shape[0]), flat).to(grad.dtype)
        return out.view(ctx.n_rows, *grad.shape[1:]), None, None, None


class _SumAtTargets(torch.autograd.Function):
    """``Σ_{e → i} x_e`` as a product with the target incidence matrix; backward is a gather."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, crow: Tensor, edge_ids: Tensor, dst: Tensor) -> Tensor:
        ctx.save_for_backward(dst)
        n = crow.shape[0] - 1
        flat = x.reshape(x.shape[0], -1)
        values = torch.ones(x.shape[0], dtype=x.dtype, device=x.device)
        return _spmm(crow, edge_ids, values, (n, x.shape[0]), flat).view(n, *x.shape[1:])

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> tuple[Tensor | None, ...]:
        (dst,) = ctx.saved_tensors
        return grad.index_select(0, dst), None, None, None


def gather_rows(x: Tensor, edges: EdgeIndex, end: str) -> Tensor:
    """Rows of ``x`` at each edge's ``"src"`` or ``"dst"`` node: ``[E, ...]``."""
    if end == "src":
        return _Gather.apply(x, edges.src, edges.src_crow, edges.src_edges)
    return _Gather.apply(x, edges.dst, edges.crow, edges.edge_ids)


def sum_at_targets(x: Tensor, edges: EdgeIndex) -> Tensor:
    """Sum of the edge values ``x`` (``[E, ...]``) at each target node: ``[n_dst, ...]``."""
    dtype = torch.promote_types(x.dtype, torch.float32)
    out: Tensor = _SumAtTargets.apply(x.to(dtype), edges.crow, edges.edge_ids, edges.dst)
    return out.to(x.dtype)


@dataclass(frozen=True)
class AttentionPattern:
    """The CSR pattern of an edge set repeated for ``vh`` virtual heads (see the module doc).

    Non-zeros are ordered by target row ``i·vh + h``, then by edge; ``col`` is the source row
    ``j·vh + h`` and ``edge`` the edge's index. ``*_t`` describe the transposed patterns
    (sources × targets, and edges × targets) with ``perm`` mapping their values to ours.
    """

    n_rows: int
    n_cols: int
    n_edges: int
    crow: Tensor
    col: Tensor
    edge: Tensor
    row: Tensor
    lengths: Tensor
    crow_t: Tensor
    col_t: Tensor
    perm_t: Tensor
    crow_e: Tensor
    col_e: Tensor
    perm_e: Tensor

    @classmethod
    def build(cls, edges: EdgeIndex, vh: int) -> AttentionPattern:
        """Repeat ``edges`` for ``vh`` virtual heads."""
        device = edges.src.device
        edge_crow = edges.crow.long()
        degree = edge_crow[1:] - edge_crow[:-1]  # [n_dst]
        n_rows, n_cols = edges.n_dst * vh, edges.n_src * vh
        lengths = degree.repeat_interleave(vh)  # row i·vh + h has degree(i) entries
        crow = _row_pointers(lengths)
        nnz = int(crow[-1])
        row = torch.arange(n_rows, device=device).repeat_interleave(lengths, output_size=nnz)
        node, head = row // vh, row % vh
        slot = torch.arange(nnz, device=device) - crow.long()[row]  # position within the row
        edge = edge_crow[node] + slot
        col = edges.src[edge] * vh + head
        crow_t, col_t, perm_t = _transpose(row, col, n_cols)
        crow_e, col_e, perm_e = _transpose(row, edge, edges.num_edges)
        return cls(
            n_rows, n_cols, edges.num_edges, crow, col.int(), edge.int(), row, lengths,
            crow_t, col_t, perm_t, crow_e, col_e, perm_e,
        )  # fmt: skip

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, source rows)``."""
        return self.n_rows, self.n_cols


def _row_softmax(logits: Tensor, pattern: AttentionPattern) -> Tensor:
    """Softmax of the non-zeros of each row, less each row's maximum for stability."""
    peak = torch.segment_reduce(logits, "max", lengths=pattern.lengths, unsafe=True)
    weights = (logits - peak.index_select(0, pattern.row)).exp_()
    total = torch.segment_reduce(weights, "sum", lengths=pattern.lengths, unsafe=True)
    return weights.div_(total.index_select(0, pattern.row))


class _EdgeAttention(torch.autograd.Function):
    """Softmax attention along the edges of a pattern; see :func:`edge_attention`."""

    @staticmethod
    def forward(
        ctx: Any, q: Tensor, k: Tensor, v: Tensor, g: Tensor, f: Tensor, pattern: AttentionPattern
    ) -> tuple[Tensor, Tensor]:
        p = pattern
        logits = _sampled(p.crow, p.col, p.shape, q, k)
        logits += _sampled(p.crow, p.edge, (p.n_rows, p.n_edges), g, f)
        alpha = _row_softmax(logits, p)
        out = _spmm(p.crow, p.col, alpha, p.shape, v)
        feats = _spmm(p.crow, p.edge, alpha, (p.n_rows, p.n_edges), f)
        ctx.save_for_backward(q, k, v, g, f, alpha)
        ctx.pattern = p
        return out, feats

    @staticmethod
    def backward(ctx: Any, d_out: Tensor, d_feats: Tensor) -> tuple[Tensor | None, ...]:
        q, k, v, g, f, alpha = ctx.saved_tensors
        p: AttentionPattern = ctx.pattern
        need_q, need_k, need_v, need_g, need_f, _ = ctx.needs_input_grad
        edge_shape = (p.n_rows, p.n_edges)
        d_out, d_feats = d_out.contiguous(), d_feats.contiguous()
        dv = (
            _spmm(p.crow_t, p.col_t, alpha[p.perm_t], (p.n_cols, p.n_rows), d_out)
            if need_v
            else None
        )
        d_alpha = _sampled(p.crow, p.col, p.shape, d_out, v)
        d_alpha += _sampled(p.crow, p.edge, edge_shape, d_feats, f)
        # softmax: d_logit = alpha * (d_alpha - Σ_row alpha·d_alpha)
        dot = torch.segment_reduce(alpha * d_alpha, "sum", lengths=p.lengths, unsafe=True)
        d_logits = alpha * (d_alpha - dot.index_select(0, p.row))
        dq = _spmm(p.crow, p.col, d_logits, p.shape, k) if need_q else None
        dk = (
            _spmm(p.crow_t, p.col_t, d_logits[p.perm_t], (p.n_cols, p.n_rows), q)
            if need_k
            else None
        )
        dg = _spmm(p.crow, p.edge, d_logits, edge_shape, f) if need_g else None
        df = None
        if need_f:
            transposed = (p.n_edges, p.n_rows)
            df = _spmm(p.crow_e, p.col_e, d_logits[p.perm_e], transposed, g)
            df += _spmm(p.crow_e, p.col_e, alpha[p.perm_e], transposed, d_feats)
        return dq, dk, dv, dg, df, None


def edge_attention(
    q: Tensor, k: Tensor, v: Tensor, g: Tensor, f: Tensor, pattern: AttentionPattern
) -> tuple[Tensor, Tensor]:
    """Attention of each target row over its edges, with edge features, without ``[E, C]`` tensors.

    For target row ``r`` (a node in one virtual head) and its edges ``e = (c → r)``::

        logit_e = q_r · k_c + g_r · f_e
        α_e     = softmax of logit_e over the edges of row r
        out_r   = Σ_e α_e v_c            feats_r = Σ_e α_e f_e

    A graph transformer whose keys and values are ``k_c + W f_e + b`` reduces to this form: the
    edge term of the logit is ``(Wᵀ q_r) · f_e`` (so ``g = Wᵀ q`` per head; the bias term is the
    same for every edge of a row and cancels in the softmax) and the edge term of the output is
    ``W feats_r + b`` when ``f`` carries a trailing column of ones.

    Parameters
    ----------
    q
        Queries ``[n_rows, d]`` (already scaled).
    k, v
        Keys and values of the source rows ``[n_cols, d]``.
    g
        Per-row projections onto the edge features ``[n_rows, F]``.
    f
        Edge features ``[E, F]``, shared by the virtual heads.
    pattern
        The edges, repeated for the virtual heads.

    Returns
    -------
    tuple of Tensor
        ``out`` ``[n_rows, d]`` and ``feats`` ``[n_rows, F]``; rows without edges are zero.
    """
    # the sparse kernels are run in at least float32 (their half-precision support varies)
    dtype = torch.promote_types(q.dtype, torch.float32)
    inputs = [t.to(dtype) for t in (q, k, v, g, f)]
    out, feats = _EdgeAttention.apply(*inputs, pattern)
    return out.to(q.dtype), feats.to(q.dtype)

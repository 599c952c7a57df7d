"""Graph kernels of the router: degree-2 chain contraction and bounded multi-source Dijkstra.

Pure functions on arrays (CSR ``indptr, indices, weights`` with weights in minutes); no
files, no DataFrames. :func:`bounded_dijkstra` has an independent plain-Python twin,
:func:`bounded_dijkstra_reference` (``heapq``), and both are checked against
``scipy.sparse.csgraph.dijkstra`` in the tests. :func:`contract_chains` is checked by its
effect: every distance of the contracted graph equals SciPy's on the uncontracted one.
"""

from __future__ import annotations

import heapq

import numpy as np
from numba import njit

from ..kernels.numba_options import NUMBA_OPTIONS

__all__ = ["bounded_dijkstra", "bounded_dijkstra_reference", "contract_chains"]


@njit(**NUMBA_OPTIONS)
def _weight(indptr, indices, weights, a, b):
    """Weight of edge a → b (inf when absent); rows are short on road graphs."""
    for k in range(indptr[a], indptr[a + 1]):
        if indices[k] == b:
            return weights[k]
    return np.inf


@njit(**NUMBA_OPTIONS)
def _is_interior(v, ip, ix, jp, jx):
    """A node that only passes traffic between two distinct neighbours (OSM way interiors).

    Two-way: out-neighbours = in-neighbours = {a, b}. One-way: in = {a}, out = {b}, a ≠ b.
    Edges must be deduplicated and free of self-loops.
    """
    out_deg = ip[v + 1] - ip[v]
    in_deg = jp[v + 1] - jp[v]
    if out_deg == 2 and in_deg == 2:
        o0, o1 = ix[ip[v]], ix[ip[v] + 1]
        i0, i1 = jx[jp[v]], jx[jp[v] + 1]
        return (o0 == i0 and o1 == i1) or (o0 == i1 and o1 == i0)
    if out_deg == 1 and in_deg == 1:
        return ix[ip[v]] != jx[jp[v]]
    return False


@njit(**NUMBA_OPTIONS)
def _walk(
    u, x, ip, ix, w, jp, jx, interior, visited, chain_of, pos, f_pre, b_pre, chains, n_chains
):
    """Follow the chain u → x → … until a kept node; record each interior node's offsets."""
    prev = u
    cur = x
    f = 0.0
    b = 0.0
    k = 0
    last = u
    while interior[cur] and not visited[cur]:
        visited[cur] = True
        f += _weight(ip, ix, w, prev, cur)
        b += _weight(ip, ix, w, cur, prev)
        chain_of[cur] = n_chains
        pos[cur] = k
        f_pre[cur] = f
        b_pre[cur] = b
        k += 1
        # the neighbour of cur that is not prev
        if ip[cur + 1] - ip[cur] == 2:
            a0 = ix[ip[cur]]
            nxt = ix[ip[cur] + 1] if a0 == prev else a0
        else:
            nxt = ix[ip[cur]] if jx[jp[cur]] == prev else jx[jp[cur]]
        prev = cur
        cur = nxt
        last = prev
    head = cur
    chains[n_chains, 0] = u
    chains[n_chains, 1] = head
    chains[n_chains, 2] = f + _weight(ip, ix, w, last, head)
    chains[n_chains, 3] = b + _weight(ip, ix, w, head, last)
    return n_chains + 1


@njit(**NUMBA_OPTIONS)
def contract_chains(n, ip, ix, w, jp, jx):
    """Find the degree-2 chains of a directed graph (CSR out + CSR in, deduplicated).

    Returns
    -------
    interior : bool array (n,)
        Nodes removed by the contraction ("via" nodes).
    chain_of, pos : int64 arrays (n,)
        Chain of each via node and its rank along the chain (−1 for kept nodes).
    f_pre, b_pre : float64 arrays (n,)
        Minutes from the chain's tail to the node along the chain, and from the node back
        to the tail (inf when that direction is closed).
    chains : float64 array (n_chains, 4)
        ``tail, head, tail→head minutes, head→tail minutes`` (node numbers stored as floats).
    """
    interior = np.zeros(n, dtype=np.bool_)
    for v in range(n):
        interior[v] = _is_interior(v, ip, ix, jp, jx)
    visited = np.zeros(n, dtype=np.bool_)
    chain_of = np.full(n, -1, dtype=np.int64)
    pos = np.full(n, -1, dtype=np.int64)
    f_pre = np.full(n, np.inf)
    b_pre = np.full(n, np.inf)
    chains = np.empty((n + 1, 4))
    n_chains = 0
    for phase in range(2):
        for u in range(n):
            if phase == 1:
                # a ring made only of interior nodes: keep one of its nodes as an anchor
                if not (interior[u] and not visited[u]):
                    continue
                interior[u] = False
            elif interior[u]:
                continue
            for ptr, nbr in ((ip, ix), (jp, jx)):  # chains leaving u, then chains entering it
                for k in range(ptr[u], ptr[u + 1]):
                    x = nbr[k]
                    if interior[x] and not visited[x]:
                        n_chains = _walk(u, x, ip, ix, w, jp, jx, interior, visited, chain_of,
                                         pos, f_pre, b_pre, chains, n_chains)  # fmt: skip
    return interior, chain_of, pos, f_pre, b_pre, chains[:n_chains]


@njit(inline="always", **NUMBA_OPTIONS)  # inlined: no call in Dijkstra's inner loop
def _heap_push(heap_key, heap_node, n_heap, key, node):
    """Push (`key` minutes, `node`) on the binary min-heap held in the first `n_heap` items.

    When the arrays are full they are replaced by larger copies (the caller's arrays stay
    as given). Returns (heap_key, heap_node, n_heap + 1).
    """
    if n_heap == heap_key.shape[0]:
        bigger_key = np.empty(2 * n_heap + 16)
        bigger_key[:n_heap] = heap_key[:n_heap]
        heap_key = bigger_key
        bigger_node = np.empty(2 * n_heap + 16, dtype=np.int64)
        bigger_node[:n_heap] = heap_node[:n_heap]
        heap_node = bigger_node
    i = n_heap
    while i > 0:  # sift up
        parent = (i - 1) >> 1
        if heap_key[parent] <= key:
            break
        heap_key[i] = heap_key[parent]
        heap_node[i] = heap_node[parent]
        i = parent
    heap_key[i] = key
    heap_node[i] = node
    return heap_key, heap_node, n_heap + 1


@njit(**NUMBA_OPTIONS)
def bounded_dijkstra(indptr, indices, weights, seeds, seed_minutes, limit, dest_ptr, dest_idx, dest_off,
                     dist, done, best, heap_key, heap_node, touched):  # fmt: skip
    """Minutes from one origin to every destination reachable within `limit`.

    Parameters
    ----------
    indptr, indices, weights : CSR arrays of the graph (minutes ≥ 0).
    seeds, seed_minutes : the origin as start nodes with start offsets (minutes; may be
        negative for an origin part-way along an edge of an edge-based graph).
    limit : float, minutes; nodes beyond it are never settled.
    dest_ptr, dest_idx, dest_off : CSR node → (destination, offset minutes): destination
        ``dest_idx[j]`` is reached at ``dist[node] + dest_off[j]`` when that is ≥ 0 (a
        negative sum is a destination behind a part-way start, not reached that way).
    dist, done, best, heap_key, heap_node, touched : scratch arrays (dist and best full of
        inf, done all False, heap arrays of any length ≥ 1: grown inside when needed); left
        as found.

    Returns
    -------
    (destination indices int64, minutes float64), destinations in first-reached order.
    """
    n_heap = 0
    n_touched = 0
    for s in range(seeds.shape[0]):
        v = seeds[s]
        d = seed_minutes[s]
        if d <= limit and d < dist[v]:
            if dist[v] == np.inf:
                touched[n_touched] = v
                n_touched += 1
            dist[v] = d
            heap_key, heap_node, n_heap = _heap_push(heap_key, heap_node, n_heap, d, v)
    found = np.empty(16, dtype=np.int64)
    n_found = 0
    while n_heap > 0:
        d = heap_key[0]
        v = heap_node[0]
        # pop: move the last item down from the root
        n_heap -= 1
        if n_heap > 0:
            lk = heap_key[n_heap]
            ln = heap_node[n_heap]
            i = 0
            while True:
                c = 2 * i + 1
                if c >= n_heap:
                    break
                if c + 1 < n_heap and heap_key[c + 1] < heap_key[c]:
                    c += 1
                if heap_key[c] >= lk:
                    break
                heap_key[i] = heap_key[c]
                heap_node[i] = heap_node[c]
                i = c
            heap_key[i] = lk
            heap_node[i] = ln
        if done[v] or d > dist[v]:
            continue
        done[v] = True
        for j in range(dest_ptr[v], dest_ptr[v + 1]):
            t = d + dest_off[j]
            k = dest_idx[j]
            if 0.0 <= t <= limit and t < best[k]:
                if best[k] == np.inf:
                    if n_found == found.shape[0]:
                        grown = np.empty(2 * n_found, dtype=np.int64)
                        grown[:n_found] = found
                        found = grown
                    found[n_found] = k
                    n_found += 1
                best[k] = t
        for e in range(indptr[v], indptr[v + 1]):
            u = indices[e]
            nd = d + weights[e]
            if nd <= limit and nd < dist[u]:
                if dist[u] == np.inf:
                    touched[n_touched] = u
                    n_touched += 1
                dist[u] = nd
                heap_key, heap_node, n_heap = _heap_push(heap_key, heap_node, n_heap, nd, u)
    out_idx = found[:n_found].copy()
    out_min = np.empty(n_found)
    for j in range(n_found):
        out_min[j] = best[out_idx[j]]
        best[out_idx[j]] = np.inf
    for j in range(n_touched):
        dist[touched[j]] = np.inf
        done[touched[j]] = False
    return out_idx, out_min


def bounded_dijkstra_reference(
    indptr, indices, weights, seeds, seed_minutes, limit, dest_ptr, dest_idx, dest_off
):
    """Plain-Python twin of :func:`bounded_dijkstra` (``heapq``, dictionaries; no scratch).

    Returns ``(destination indices, minutes)`` sorted by destination index.
    """
    dist: dict[int, float] = {}
    heap: list[tuple[float, int]] = []
    for v, d in zip(seeds.tolist(), seed_minutes.tolist(), strict=True):
        if d <= limit and d < dist.get(v, float("inf")):
            dist[v] = d
            heapq.heappush(heap, (d, v))
    settled: dict[int, float] = {}
    while heap:
        d, v = heapq.heappop(heap)
        if v in settled:
            continue
        settled[v] = d
        for e in range(int(indptr[v]), int(indptr[v + 1])):
            u = int(indices[e])
            nd = d + float(weights[e])
            if u not in settled and nd <= limit and nd < dist.get(u, float("inf")):
                dist[u] = nd
                heapq.heappush(heap, (nd, u))
    reached: dict[int, float] = {}
    for v, d in settled.items():
        for j in range(int(dest_ptr[v]), int(dest_ptr[v + 1])):
            t = d + float(dest_off[j])
            k = int(dest_idx[j])
            if 0.0 <= t <= limit and t < reached.get(k, float("inf")):
                reached[k] = t
    keys = sorted(reached)
    return np.asarray(keys, dtype=np.int64), np.asarray(
        [reached[k] for k in keys], dtype=np.float64
    )

"""Each Numba kernel against its NumPy/SciPy twin and the dense naive loops."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from naive import naive_two_step_dense

from apl import kernels
from apl.kernels import reference

REL = 1e-12


@st.composite
def csr_problems(draw, max_n=9, max_m=7):
    """A random sparse W (with empty rows/columns), P (with zeros) and S (with zeros)."""
    n = draw(st.integers(1, max_n))
    m = draw(st.integers(1, max_m))
    weight_values = st.sampled_from([0.0, 0.0, 1.0, 2.0 / 3.0, 1.0 / 3.0, 0.5, 0.123456789])
    dense = draw(arrays(np.float64, (n, m), elements=weight_values))
    population = draw(
        arrays(
            np.float64,
            n,
            elements=st.one_of(
                st.just(0.0), st.floats(0.5, 2e5, allow_nan=False, allow_infinity=False)
            ),
        )
    )
    supply = draw(
        arrays(
            np.float64,
            m,
            elements=st.one_of(
                st.just(0.0), st.floats(1.0, 1e6, allow_nan=False, allow_infinity=False)
            ),
        )
    )
    matrix = sp.csr_array(dense)
    matrix.sort_indices()
    return (
        dense,
        matrix.indptr.astype(np.int64),
        matrix.indices.astype(np.int64),
        matrix.data.astype(np.float64),
        population,
        supply,
    )


def _close(a, b):
    np.testing.assert_allclose(
        a, b, rtol=REL, atol=1e-12 * max(1.0, float(np.max(np.abs(b), initial=0)))
    )


@given(csr_problems())
def test_two_step_matches_naive(problem):
    dense, indptr, indices, weights, population, supply = problem
    apl_fast, d_fast = kernels.two_step(indptr, indices, weights, population, supply)
    apl_ref, d_ref = reference.two_step(indptr, indices, weights, population, supply)
    apl_naive, d_naive = naive_two_step_dense(dense.tolist(), population.tolist(), supply.tolist())
    _close(apl_fast, apl_ref)
    _close(d_fast, d_ref)
    _close(apl_fast, np.array(apl_naive))
    _close(d_fast, np.array(d_naive))
    assert np.all(np.isfinite(apl_fast))


@given(csr_problems())
def test_catchment_demand_matches_reference(problem):
    _, indptr, indices, weights, population, supply = problem
    _close(
        kernels.catchment_demand(indptr, indices, weights, population, len(supply)),
        reference.catchment_demand(indptr, indices, weights, population, len(supply)),
    )


@given(csr_problems(), st.integers(1, 5), st.integers(0, 2**32 - 1))
def test_accessibility_many_matches_reference(problem, k, seed):
    _, indptr, indices, weights, _, supply = problem
    ratios = np.random.default_rng(seed).uniform(0, 10, size=(len(supply), k))
    fast = kernels.accessibility_many(indptr, indices, weights, ratios)
    _close(fast, reference.accessibility_many(indptr, indices, weights, ratios))
    # each column is the single-scenario kernel
    for s in range(k):
        _close(
            fast[:, s],
            kernels.accessibility(indptr, indices, weights, np.ascontiguousarray(ratios[:, s])),
        )


def test_supply_ratio_zero_demand_is_zero_not_nan():
    # R_j = S_j / D_j: 10/0 → 0 (nobody within reach), 0/0 → 0, 6/3 = 2
    supply = np.array([10.0, 0.0, 6.0])
    demand = np.array([0.0, 0.0, 3.0])
    for impl in (kernels, reference):
        np.testing.assert_array_equal(impl.supply_ratio(supply, demand), [0.0, 0.0, 2.0])


def test_two_step_hand_case_csr():
    # W = [[1, 0.5], [0, 1]]: D_0 = 1*100 = 100, D_1 = 0.5*100 + 1*50 = 100
    # R = (1000/100, 500/100) = (10, 5); APL_0 = 1*10 + 0.5*5 = 12.5; APL_1 = 1*5 = 5
    indptr = np.array([0, 2, 3], dtype=np.int64)
    indices = np.array([0, 1, 1], dtype=np.int64)
    weights = np.array([1.0, 0.5, 1.0])
    pop = np.array([100.0, 50.0])
    acts = np.array([1000.0, 500.0])
    for impl in (kernels, reference):
        apl, d = impl.two_step(indptr, indices, weights, pop, acts)
        np.testing.assert_allclose(apl, [12.5, 5.0], rtol=1e-15)
        np.testing.assert_allclose(d, [100.0, 100.0], rtol=1e-15)


@pytest.mark.parametrize("impl", [kernels, reference])
def test_empty_structure(impl):
    # no pair at all: every APL is 0
    indptr = np.zeros(4, dtype=np.int64)
    empty_i = np.zeros(0, dtype=np.int64)
    empty_w = np.zeros(0)
    apl, d = impl.two_step(indptr, empty_i, empty_w, np.ones(3), np.ones(2))
    np.testing.assert_array_equal(apl, np.zeros(3))
    np.testing.assert_array_equal(d, np.zeros(2))


@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=40),
)
def test_find_duplicate_pair_matches_reference(n_o, n_d, pairs):
    pairs = [(o % n_o, d % n_d) for o, d in pairs]
    origin = np.array([p[0] for p in pairs], dtype=np.int64)
    dest = np.array([p[1] for p in pairs], dtype=np.int64)
    fast = kernels.find_duplicate_pair(origin, dest, n_o, n_d)
    assert fast == reference.find_duplicate_pair(origin, dest, n_o, n_d)
    # naive: the earliest row whose pair appeared before it
    seen, expected = set(), -1
    for k, p in enumerate(pairs):
        if p in seen:
            expected = k
            break
        seen.add(p)
    assert fast == expected


def test_find_duplicate_pair_hand_case():
    # rows: (0,1) (1,1) (0,2) (1,1) (0,1): row 3 repeats row 1 and comes before row 4
    origin = np.array([0, 1, 0, 1, 0], dtype=np.int64)
    dest = np.array([1, 1, 2, 1, 1], dtype=np.int64)
    assert kernels.find_duplicate_pair(origin, dest, 2, 3) == 3
    assert kernels.find_duplicate_pair(origin[:3], dest[:3], 2, 3) == -1


# --- codes → keys, pair scan, duplicate check, CSR build (issue 13) ----------------------

import pyarrow as pa  # noqa: E402

from apl.validation import arrow_buffers  # noqa: E402

# every shape of code: COG (digits, Corsica, arrondissements, overseas), codes that lost a
# zero, free-form ids, lower case, non-ASCII, empty
CODE_ALPHABET = "0123456789ABab2Zé_"
cog_like = st.builds(
    lambda dep, num: dep + num,
    st.sampled_from(["01", "29", "2A", "2B", "30", "75", "97", "99", "00", "2C", "2a", "A2"]),
    st.integers(0, 999).map(lambda k: f"{k:03d}"),
)
any_code = st.one_of(cog_like, st.text(CODE_ALPHABET, min_size=0, max_size=7))


def buffers(codes):
    return arrow_buffers(pa.array(codes, type=pa.string()))


def test_cog_keys_hand_cases():
    # key = rank(department) × 1000 + number; ranks in text order: 00–29 → 0–29, 2A → 30,
    # 2B → 31, 30–99 → 32–101
    codes = [
        "01001",
        "29999",
        "2A004",
        "2B033",
        "30001",
        "97411",
        "1001",
        "2C001",
        "2a004",
        "010011",
        "",
    ]
    expected = [
        1 * 1000 + 1,
        29 * 1000 + 999,
        30 * 1000 + 4,
        31 * 1000 + 33,
        32 * 1000 + 1,
        (97 + 2) * 1000 + 411,
        -1,
        -1,
        -1,
        -1,
        -1,
    ]
    np.testing.assert_array_equal(kernels.cog_keys(*buffers(codes)), expected)
    assert [kernels.cog_code(k) for k in expected[:6]] == codes[:6]


@given(st.lists(any_code, max_size=30))
def test_cog_keys_match_reference_and_sort_as_text(codes):
    fast = kernels.cog_keys(*buffers(codes))
    np.testing.assert_array_equal(fast, reference.cog_keys(*buffers(codes)))
    valid = fast >= 0
    # valid keys decode to their code, and order the codes as text does
    assert [kernels.cog_code(k) for k in fast[valid]] == [
        c for c, v in zip(codes, valid, strict=True) if v
    ]
    text = np.array([c for c, v in zip(codes, valid, strict=True) if v], dtype=object)
    assert list(text[np.argsort(fast[valid], kind="stable")]) == sorted(text)


@given(
    st.integers(1, 6),
    st.integers(1, 6),
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=40),
)
def test_has_duplicate_pair_matches_reference(n_o, n_d, pairs):
    origin = np.array([o % n_o for o, _ in pairs], dtype=np.int32)
    dest = np.array([d % n_d for _, d in pairs], dtype=np.int32)
    expected = len({(o % n_o, d % n_d) for o, d in pairs}) < len(pairs)
    assert kernels.has_duplicate_pair(origin, dest, n_o, n_d) == expected
    assert reference.has_duplicate_pair(origin, dest, n_o, n_d) == expected


@st.composite
def scan_problems(draw):
    """Random keyed pairs: keys in [0, 8) (some -1), demand rows / supply columns of a
    subset of keys, minutes with edge values, NaN and negatives."""
    n_keys = 8
    n = draw(st.integers(0, 30))
    keys = st.integers(0, n_keys - 1)
    o = np.array(draw(st.lists(keys, min_size=n, max_size=n)), dtype=np.int64)
    d = np.array(draw(st.lists(keys, min_size=n, max_size=n)), dtype=np.int64)
    t = np.array(
        draw(st.lists(st.sampled_from([0.0, 5.0, 10.0, 20.0, 20.5, 33.0]), min_size=n, max_size=n))
    )
    demand = draw(st.lists(keys, unique=True, max_size=n_keys))
    supply = draw(st.lists(keys, unique=True, max_size=n_keys))
    row_of = np.full(n_keys, -1, dtype=np.int64)
    row_of[demand] = np.arange(len(demand))
    col_of = np.full(n_keys, -1, dtype=np.int64)
    col_of[supply] = np.arange(len(supply))
    if n and draw(st.booleans()):
        k = draw(st.integers(0, n - 1))
        which = draw(st.sampled_from(["nan", "neg", "inf", "key"]))
        if which == "key":
            o[k] = -1
        else:
            t[k] = {"nan": np.nan, "neg": -1.0, "inf": np.inf}[which]
    reach = draw(st.sampled_from([20.0, np.inf, 0.0]))
    return o, d, t, row_of, col_of, reach, draw(st.booleans())


def _same_scan(a, b):
    assert a[0] == b[0]
    for x, y in zip(a[1:4], b[1:4], strict=True):
        np.testing.assert_array_equal(x, y)  # same pairs, same (table) order, same bits
    if a[0] < 0:
        assert tuple(a[4:7]) == tuple(b[4:7])
        np.testing.assert_array_equal(np.asarray(a[7]) > 0, np.asarray(b[7]) > 0)


@given(scan_problems())
def test_scan_pairs_matches_reference(problem):
    _same_scan(kernels.scan_pairs(*problem), reference.scan_pairs(*problem))


def test_scan_pairs_hand_case():
    # keys: 0 = A (demand row 0, supply col 0), 1 = B (demand row 1), 2 = C (supply col 1),
    # 3 = D (neither). Rows: A→A 4 min (diagonal), B→A 12, B→C 25 (beyond 20), D→A 3
    # (origin not demand), A→C 19.
    o = np.array([0, 1, 1, 3, 0])
    d = np.array([0, 0, 2, 0, 2])
    t = np.array([4.0, 12.0, 25.0, 3.0, 19.0])
    row_of = np.array([0, 1, -1, -1])
    col_of = np.array([0, -1, 1, -1])
    bad, rows, cols, kept, out, diag, beyond, unknown = kernels.scan_pairs(
        o, d, t, row_of, col_of, 20.0, True
    )
    assert bad == -1 and (out, diag, beyond) == (1, 1, 1)
    assert rows.tolist() == [1, 0] and cols.tolist() == [0, 1] and kept.tolist() == [12.0, 19.0]
    assert np.flatnonzero(unknown).tolist() == [3]
    # diagonal from the table: A→A is an ordinary pair at 4 minutes
    _, rows, cols, kept, *_ = kernels.scan_pairs(o, d, t, row_of, col_of, 20.0, False)
    assert rows.tolist() == [0, 1, 0] and kept.tolist() == [4.0, 12.0, 19.0]


@given(
    st.lists(
        st.tuples(any_code, any_code, st.sampled_from([0.0, 9.5, 10.0, 19.0, 30.0, np.nan, -2.0])),
        max_size=25,
    ),
    st.lists(any_code, unique=True, max_size=6),
    st.lists(any_code, unique=True, max_size=6),
    st.sampled_from([20.0, np.inf]),
    st.booleans(),
)
def test_scan_cog_pairs_matches_reference(rows, demand, supply, reach, zero_diagonal):
    codes_o = [r[0] for r in rows]
    codes_d = [r[1] for r in rows]
    minutes = np.array([r[2] for r in rows], dtype=np.float64)
    keys_dem = reference.cog_keys(*buffers(demand))
    keys_sup = reference.cog_keys(*buffers(supply))
    row_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    row_of[keys_dem[keys_dem >= 0]] = np.arange(int((keys_dem >= 0).sum()), dtype=np.int32)
    col_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    col_of[keys_sup[keys_sup >= 0]] = np.arange(int((keys_sup >= 0).sum()), dtype=np.int32)
    args = (*buffers(codes_o), *buffers(codes_d), minutes, row_of, col_of, reach, zero_diagonal)
    fast = kernels.scan_cog_pairs(*args)
    ref = reference.scan_cog_pairs(*args)
    _same_scan(fast, ref)
    if fast[0] < 0:
        assert fast[8] == ref[8]
        # grouped or not, the duplicate verdict is the plain set count
        assert fast[8] == (len(set(zip(codes_o, codes_d, strict=True))) < len(rows))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["01001", "01002", "2A004", "75056"]),
            st.sampled_from(["01001", "2A004", "2B033"]),
            st.sampled_from([1.0, 12.0, 40.0]),
        ),
        max_size=30,
    ),
    st.integers(0, 30),
)
def test_scan_cog_chunks_equal_one_pass(rows, cut):
    # a table read in two chunks (a streamed file) gives the pairs of one pass, in order
    cut = min(cut, len(rows))
    keys = {"01001": 0, "01002": 1, "2A004": 2, "75056": 3, "2B033": 4}
    row_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    col_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    for code, k in keys.items():
        key = int(kernels.cog_keys(*buffers([code]))[0])
        row_of[key] = k if k < 4 else -1
        col_of[key] = k if k in (0, 2, 4) else -1
    o = [r[0] for r in rows]
    d = [r[1] for r in rows]
    t = np.array([r[2] for r in rows])
    whole = kernels.scan_cog_pairs(*buffers(o), *buffers(d), t, row_of, col_of, 20.0, True)
    state = kernels.new_scan_state(kernels.COG_KEY_SPACE)
    parts = []
    no_keys = np.zeros(0, dtype=np.int32)
    for lo, hi in ((0, cut), (cut, len(rows))):
        parts.append(
            kernels.scan_cog_chunk(
                *buffers(o[lo:hi]),
                *buffers(d[lo:hi]),
                t[lo:hi],
                row_of,
                col_of,
                20.0,
                True,
                *state,
                no_keys,
                no_keys,
            )
        )
    for k in (1, 2, 3):
        np.testing.assert_array_equal(np.concatenate([p[k] for p in parts]), whole[k])
    assert sum(p[4] for p in parts) == whole[4] and sum(p[5] for p in parts) == whole[5]
    assert np.array_equal(state[4] > 0, whole[7])
    if state[0][2] == 1:  # still grouped by origin: the in-pass duplicate verdict is final
        assert (state[0][3] == 1) == whole[8]


@given(st.integers(1, 7), st.integers(1, 7), st.data())
def test_csr_from_pairs_matches_reference(n_rows, n_cols, data):
    cells = data.draw(
        st.lists(
            st.tuples(st.integers(0, n_rows - 1), st.integers(0, n_cols - 1)),
            unique=True,
            max_size=n_rows * n_cols,
        )
    )
    rows = np.array([c[0] for c in cells], dtype=np.int64)
    cols = np.array([c[1] for c in cells], dtype=np.int64)
    w = np.array(
        data.draw(st.lists(st.floats(0.01, 1.0), min_size=len(cells), max_size=len(cells)))
    )
    fast = kernels.csr_from_pairs(rows, cols, w, n_rows, n_cols)
    ref = reference.csr_from_pairs(rows, cols, w, n_rows, n_cols)
    for a, b in zip(fast, ref, strict=True):
        np.testing.assert_array_equal(a, b)


def test_csr_from_pairs_long_rows_and_any_order():
    # rows longer than the insertion-sort cut (32) take the quicksort branch
    rng = np.random.default_rng(0)
    rows = np.repeat(np.arange(3), 50)
    cols = np.concatenate([rng.permutation(60)[:50] for _ in range(3)])
    w = rng.uniform(0.1, 1.0, rows.size)
    base = kernels.csr_from_pairs(rows, cols, w, 3, 60)
    assert base[0].tolist() == [0, 50, 100, 150]
    for i in range(3):
        assert np.all(np.diff(base[1][base[0][i] : base[0][i + 1]]) > 0)
    perm = rng.permutation(rows.size)
    again = kernels.csr_from_pairs(rows[perm], cols[perm], w[perm], 3, 60)
    for a, b in zip(base, again, strict=True):
        np.testing.assert_array_equal(a, b)


@given(scan_problems())
def test_scan_key_chunk_matches_reference(problem):
    o, d, t, row_of, col_of, reach, zero_diagonal = problem
    state = kernels.new_scan_state(len(row_of))
    out = np.empty(len(t), np.int64), np.empty(len(t), np.int64), np.empty(len(t))
    bad, kept, *counts = kernels.scan_key_chunk(
        o, d, t, row_of, col_of, reach, zero_diagonal, *state, *out
    )
    fast = (bad, out[0][:kept], out[1][:kept], out[2][:kept], *counts)
    ref = reference.scan_pairs(o, d, t, row_of, col_of, reach, zero_diagonal)
    _same_scan((*fast, state[4]), ref)
    if fast[0] < 0 and state[0][2] == 1:  # grouped by origin: the in-pass verdict is final
        assert (state[0][3] == 1) == reference.has_duplicate_pair(o, d, len(row_of), len(row_of))


@given(
    st.lists(
        st.sampled_from([0.0, 5.0, 9.999, 10.0, 12.5, 15.0, 19.0, 20.0, 20.001, 90.0]), max_size=30
    ),
    st.booleans(),
)
def test_step_weights_match_searchsorted(minutes, left_closed):
    t = np.array(minutes, dtype=np.float64)
    bounds = np.array([10.0, 15.0, 20.0])
    weights = np.array([1.0, 2.0 / 3.0, 1.0 / 3.0, 0.0])
    fast = kernels.step_weights(t, bounds, weights, left_closed)
    np.testing.assert_array_equal(fast, reference.step_weights(t, bounds, weights, left_closed))
    closed = "left" if left_closed else "right"
    from apl import StepDecay

    np.testing.assert_array_equal(fast, StepDecay.drees(closed=closed)(t))


def test_step_weights_hand_case():
    # left-closed DREES bands: 10 → 2/3 (band above), 20 → 0; right-closed: 10 → 1, 20 → 1/3
    t = np.array([0.0, 10.0, 15.0, 20.0])
    b, w = np.array([10.0, 15.0, 20.0]), np.array([1.0, 2 / 3, 1 / 3, 0.0])
    assert kernels.step_weights(t, b, w, True).tolist() == [1.0, 2 / 3, 1 / 3, 0.0]
    assert kernels.step_weights(t, b, w, False).tolist() == [1.0, 1.0, 2 / 3, 1 / 3]


@given(st.integers(1, 7), st.integers(1, 7), st.data())
def test_csr_from_weighted_matches_reference(n_rows, n_cols, data):
    cells = data.draw(
        st.lists(
            st.tuples(st.integers(0, n_rows - 1), st.integers(0, n_cols - 1)),
            unique=True,
            max_size=n_rows * n_cols,
        )
    )
    n_diag = data.draw(st.integers(0, len(cells)))
    rows = np.array([c[0] for c in cells], dtype=np.int64)
    cols = np.array([c[1] for c in cells], dtype=np.int64)
    w = np.array(
        data.draw(
            st.lists(
                st.sampled_from([0.0, 1.0, 2 / 3, 1 / 3, 0.25]),
                min_size=len(cells),
                max_size=len(cells),
            )
        )
    )
    args = (
        rows[n_diag:],
        cols[n_diag:],
        w[n_diag:],
        rows[:n_diag],
        cols[:n_diag],
        w[:n_diag],
        n_rows,
        n_cols,
    )
    fast = kernels.csr_from_weighted(*args)
    ref = reference.csr_from_weighted(*args)
    for a, b in zip(fast[:3], ref[:3], strict=True):
        np.testing.assert_array_equal(a, b)
    assert fast[3] == ref[3] == int((w[n_diag:] == 0).sum())


@given(csr_problems(), st.randoms(use_true_random=False))
def test_sort_rows_by_rank_matches_reference(problem, rnd):
    _, indptr, indices, weights, _, supply = problem
    rank = np.array(rnd.sample(range(len(supply)), len(supply)), dtype=np.int64)
    fast_i, fast_w = indices.copy(), weights.copy()
    ref_i, ref_w = indices.copy(), weights.copy()
    kernels.sort_rows_by_rank(indptr, fast_i, fast_w, rank)
    reference.sort_rows_by_rank(indptr, ref_i, ref_w, rank)
    np.testing.assert_array_equal(fast_i, ref_i)
    np.testing.assert_array_equal(fast_w, ref_w)
    for i in range(len(indptr) - 1):
        assert np.all(np.diff(rank[fast_i[indptr[i] : indptr[i + 1]]]) > 0)


# --- the reading pass in pieces and threads (scan_cog_chunks) -------------------------------


def _chunked(codes, sizes):
    """Arrow buffers of `codes` cut into chunks of the given sizes (the last takes the rest)."""
    out, at = [], 0
    for size in [*sizes, len(codes)]:
        part = codes[at : at + size] if size < len(codes) - at else codes[at:]
        if part or not out:
            out.append(buffers(part))
        at += len(part)
        if at >= len(codes):
            break
    return out


five_char = st.builds(
    lambda dep, num: dep + num,
    st.sampled_from(["01", "2A", "2B", "38", "99", "2C", "2a", "é"]),
    st.integers(0, 12).map(lambda k: f"{k:03d}"),
)


@given(
    st.lists(
        st.tuples(five_char, five_char, st.sampled_from([0.0, 9.5, 10.0, 19.0, 30.0, np.nan])),
        max_size=40,
    ),
    st.booleans(),
    st.integers(1, 5),
    st.lists(st.integers(1, 9), max_size=4),
    st.lists(st.integers(1, 9), max_size=4),
    st.booleans(),
)
def test_scan_cog_chunks_any_pieces_and_threads(
    rows, grouped, parts, o_sizes, d_sizes, zero_diagonal
):
    """Any chunking of either column and any number of threads give the reference's
    outputs; tables grouped by origin (the in-pass duplicate check, runs crossing from one
    thread's rows to the next) and scattered ones (the bucket check) alike."""
    if grouped:
        rows = sorted(rows, key=lambda r: r[0])
    codes_o = [r[0] for r in rows]
    codes_d = [r[1] for r in rows]
    minutes = np.array([r[2] for r in rows], dtype=np.float64)
    demand = ["01000", "01001", "01002", "2A001", "38003", "99012"]
    supply = ["01001", "2A001", "2B002", "38003", "38004"]
    keys_dem = reference.cog_keys(*buffers(demand))
    keys_sup = reference.cog_keys(*buffers(supply))
    row_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    row_of[keys_dem] = np.arange(len(keys_dem), dtype=np.int32)
    col_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    col_of[keys_sup] = np.arange(len(keys_sup), dtype=np.int32)
    ref = reference.scan_cog_pairs(
        *buffers(codes_o), *buffers(codes_d), minutes, row_of, col_of, 20.0, zero_diagonal
    )
    fast = kernels.scan_cog_chunks(
        _chunked(codes_o, o_sizes), _chunked(codes_d, d_sizes), minutes, row_of, col_of,
        20.0, zero_diagonal, parts,
    )  # fmt: skip
    _same_scan(fast, ref)
    if fast[0] < 0:
        assert fast[8] == ref[8] == (len(set(zip(codes_o, codes_d, strict=True))) < len(rows))


def test_scan_cog_chunks_duplicate_across_threads_hand_case():
    # grouped by origin: 01001 → 01001, 2A001, 01001 again. With 3 threads of one row each
    # the run of 01001 crosses both thread boundaries and its repeat is seen by no
    # single thread's markers: the run check must find it. Without the repeat: no duplicate.
    demand = ["01001"]
    supply = ["01001", "2A001"]
    row_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    row_of[reference.cog_keys(*buffers(demand))] = 0
    col_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    col_of[reference.cog_keys(*buffers(supply))] = [0, 1]
    for dest, expected in ((["01001", "2A001", "01001"], True), (["01001", "2A001"], False)):
        origin = ["01001"] * len(dest)
        minutes = np.full(len(dest), 5.0)
        for parts in (1, 2, 3):
            out = kernels.scan_cog_chunks(
                [buffers(origin)], [buffers(dest)], minutes, row_of, col_of, 20.0, False, parts
            )
            assert out[0] == -1 and out[8] is expected, parts
            # kept pairs in table order: (row 0, col of each destination)
            assert out[2].tolist() == [[0, 1, 0], [0, 1]][not expected]


def test_scan_cog_chunks_scattered_duplicate_hand_case():
    # not grouped: 01001→01001, 2A001→01001, 01001→01001 (the origin comes back in a new
    # run, so only the bucket check can see the repeat), on 1 and 2 threads
    demand = ["01001", "2A001"]
    row_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    row_of[reference.cog_keys(*buffers(demand))] = [0, 1]
    col_of = row_of.copy()
    origin, dest = ["01001", "2A001", "01001"], ["01001", "01001", "01001"]
    for parts in (1, 2, 3):
        out = kernels.scan_cog_chunks(
            [buffers(origin)], [buffers(dest)], np.array([1.0, 2.0, 3.0]), row_of, col_of,
            20.0, True, parts,
        )  # fmt: skip
        assert out[0] == -1 and out[8] is True
        # the diagonal rows (01001→01001) are left out, 2A001→01001 kept at 2 minutes
        assert (out[4], out[5], out[6]) == (0, 2, 0) and out[3].tolist() == [2.0]


@given(st.lists(five_char, max_size=40))
def test_cog_keys_fixed_width_path_matches_reference(codes):
    """Codes of exactly five bytes take the branch-free fixed-stride path."""
    np.testing.assert_array_equal(
        kernels.cog_keys(*buffers(codes)), reference.cog_keys(*buffers(codes))
    )

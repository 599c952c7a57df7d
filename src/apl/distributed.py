"""APL on a Dask cluster: the pair table stays on the workers (optional extra ``apl[dask]``).

One machine holds France at commune level (about 4 M pairs); the INSEE 200 m grid, many
editions at once or thousands of draws do not fit. Here the travel-time table is a
:class:`dask.dataframe.DataFrame` (e.g. ``dd.read_parquet("pairs/")``) and the 2SFCA runs as a
two-pass reduction on whatever :class:`distributed.Client` is current (or Dask's local
scheduler when there is none):

1. each partition validates its rows with the same public functions as the in-memory path
   (:func:`apl.pairs.index_pairs`), weights them with the decay
   (:func:`apl.pairs.weight_pairs`) and returns its partial catchment demand
   D_j = Σ_i w_ij P_i (standardised inhabitants, :func:`apl.kernels.catchment_demand`),
   plus counts for the diagnostics; partials are summed in a tree on the workers;
2. the client adds the diagonal once (each supply unit reaches itself in 0 minutes), takes
   R_j = S_j / D_j (acts per year per standardised inhabitant) and sends R back; each
   partition returns its partial APL_i = Σ_j w_ij R_j (:func:`apl.kernels.accessibility`),
   summed in a tree on the workers.

Only vectors of the size of demand and supply reach the client, never the pairs.

Duplicate pairs across partitions: each partition checks its own rows (O(n) kernel) and
reports which origins it holds; an origin held by two partitions or more is "split". Only the
rows of split origins are then checked together, during pass 2 (same reads of the table): in
one task when they are few, else shuffled by origin (Dask's p2p shuffle of two code columns).
A table grouped by origin, as routers and :func:`travel_times` write it, has split origins
only at partition boundaries, so the check costs almost nothing; a table in random order
pays one shuffle of its key columns.

Importing this module needs Dask (``pip install "apl-drees[dask]"``); ``import apl`` does not.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

try:
    import dask
    import dask.dataframe as dd
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        'apl.distributed needs Dask: pip install "apl-drees[dask]" (the extra is apl[dask]: '
        "dask[dataframe] and distributed)."
    ) from exc

from . import kernels, pairs, validation
from .accessibility import assemble_result, dropped_table, resolve_options
from .decay import Decay
from .errors import APLError, CommuneCodeError, DuplicateError, ValidationError

__all__ = ["ClusterError", "compute_apl", "compute_many", "travel_times"]

TABLE = "travel_times"
KEYS = ["origin", "destination"]
#: How many partial results one reduction task adds up (a tree of this fan-in on the workers).
SPLIT_EVERY = 8


# --- what the workers need, shipped once ---------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Demand and supply as the workers see them (shipped once per worker, not per task).

    Attributes
    ----------
    demand_index, supply_index : pandas.Index
        Demand units (rows of W) and supply units (columns of W), validated codes or ids.
    population : numpy.ndarray, shape (n_demand,)
        Standardised inhabitants of each demand unit.
    decay : callable
        Minutes → weight.
    n_partitions : int
        Partitions of the pair table (for error messages).
    diagonal, ids : str
        As for :func:`apl.pairs.index_pairs`.
    """

    demand_index: pd.Index
    supply_index: pd.Index
    population: npt.NDArray[np.float64]
    decay: Decay
    n_partitions: int
    diagonal: pairs.Diagonal = "zero"
    ids: validation.IdKind = "cog"


@dataclass
class PartitionError:
    """An input error found in one partition, ranked as in-memory validation would meet it."""

    rank: tuple[int, int, int]  # (check stage, kind within the stage, partition)
    error: APLError


@dataclass
class CatchmentPartial:
    """Pass 1 of one partition or of a sum of partitions (see :func:`combine_catchment`)."""

    demand: npt.NDArray[np.float64]  # partial D_j, standardised inhabitants, (n_supply,)
    rows_read: int = 0
    rows_diagonal_replaced: int = 0
    rows_outside: int = 0
    rows_zero_weight: int = 0
    n_pairs: int = 0
    unknown_origins: npt.NDArray[np.object_] = field(
        default_factory=lambda: np.array([], dtype=object)
    )
    # Origins held (seen) and held by more than one partition (split), for the duplicate check.
    seen: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    split: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    seen_unknown: npt.NDArray[np.object_] = field(
        default_factory=lambda: np.array([], dtype=object)
    )
    split_unknown: npt.NDArray[np.object_] = field(
        default_factory=lambda: np.array([], dtype=object)
    )
    error: PartitionError | None = None


# --- errors named by partition ------------------------------------------------------------


def _rank(error: APLError) -> tuple[int, int]:
    """Order of the checks in :func:`apl.pairs.index_pairs` (origin codes, destination codes,
    minutes, duplicates, then the decay), so the error raised is the one the in-memory path
    meets first on the whole table."""
    text = str(error)
    column = getattr(error, "column", None)
    if isinstance(error, CommuneCodeError):
        kind = 0 if "holds numbers" in text else 1 if "missing commune code" in text else 2
        return (0 if column == "origin" else 1), kind
    if isinstance(error, DuplicateError):
        return 3, 0
    if column == "minutes":
        kind = 1 if "(NaN)" in text else 2 if "infinite" in text else 3 if "negative" in text else 0
        return 2, kind
    return 4, 0


def in_partition(
    error: APLError, part: pd.DataFrame, partition: int, n_partitions: int
) -> APLError:
    """The same exception class and message, naming the partition and the row's position in it.

    The new exception carries ``partition`` (0-based) and ``position`` (row position within
    the partition, or None) besides ``table``, ``column`` and ``row`` (the row's index label).
    """
    row = getattr(error, "row", None)
    position: int | None = None
    if row is not None and part.index.is_unique and row in part.index:
        position = int(part.index.get_loc(row))
    where = f"partition {partition} of {n_partitions} of the Dask DataFrame"
    if position is not None:
        where += f", row position {position} within that partition"
    kwargs: dict[str, Any] = {}
    if isinstance(error, ValidationError):
        kwargs = {"table": error.table, "column": error.column, "row": error.row}
    new = type(error)(f"{error} [{where}]", **kwargs)
    new.partition = partition  # type: ignore[attr-defined]
    new.position = position  # type: ignore[attr-defined]
    return new


def _failed(
    error: APLError, part: pd.DataFrame, k: int, problem: Problem, n_supply: int
) -> CatchmentPartial:
    stage, kind = _rank(error)
    return CatchmentPartial(
        demand=np.zeros(n_supply),
        error=PartitionError((stage, kind, k), in_partition(error, part, k, problem.n_partitions)),
    )


# --- pass 1: partial catchment demand -------------------------------------------------------


def off_diagonal(indexed: pairs.IndexedPairs) -> pairs.IndexedPairs:
    """The partition's pairs without the diagonal pairs :func:`apl.pairs.index_pairs` adds
    for every supply unit: the client adds them once for the whole table."""
    empty = np.zeros(0, dtype=np.int64)
    return dataclasses.replace(indexed, diagonal_rows=empty, diagonal_cols=empty)


def weighted_partition(
    part: pd.DataFrame, problem: Problem
) -> tuple[pairs.IndexedPairs, pairs.PairStructure]:
    """Validate, index and weight one partition's rows (same public functions as in memory)."""
    indexed = pairs.index_pairs(
        part, problem.demand_index, problem.supply_index, diagonal=problem.diagonal,
        ids=problem.ids, max_minutes=pairs.decay_reach(problem.decay),
    )  # fmt: skip
    return indexed, pairs.weight_pairs(off_diagonal(indexed), problem.decay)


def partition_catchment(part: pd.DataFrame, k: int, problem: Problem) -> CatchmentPartial:
    """Pass 1 on partition `k`: partial D_j (standardised inhabitants) and diagnostics counts.

    Input errors are returned, not raised, so that the client can raise the one the
    in-memory path would meet first, whatever partition finishes first.
    """
    n_supply = len(problem.supply_index)
    try:
        indexed, structure = weighted_partition(part, problem)
    except APLError as error:
        return _failed(error, part, k, problem, n_supply)
    partial = kernels.catchment_demand(
        structure.indptr, structure.indices, structure.weights, problem.population, n_supply
    )
    # Which origins this partition holds: demand rows as a mask, unknown codes as text.
    origins = pd.unique(part["origin"])
    integer = problem.demand_index.dtype.kind == "i"
    rows = problem.demand_index.get_indexer(
        pd.Index(origins) if integer else pd.Index(origins, dtype=object)
    )
    seen = np.zeros(len(problem.demand_index), dtype=bool)
    seen[rows[rows >= 0]] = True
    unknown = indexed.unknown_origins
    return CatchmentPartial(
        demand=partial,
        rows_read=structure.rows_read,
        rows_diagonal_replaced=structure.rows_diagonal_replaced,
        rows_outside=structure.rows_outside,
        rows_zero_weight=structure.rows_zero_weight,
        n_pairs=structure.n_pairs,
        unknown_origins=unknown,
        seen=seen,
        split=np.zeros_like(seen),
        seen_unknown=unknown,
        split_unknown=np.array([], dtype=object),
    )


def combine_catchment(parts: Sequence[CatchmentPartial]) -> CatchmentPartial:
    """Sum of pass-1 partials (associative: used at every level of the reduction tree)."""
    errors = [p.error for p in parts if p.error is not None]
    if errors:
        first = min(errors, key=lambda e: e.rank)
        return CatchmentPartial(demand=parts[0].demand, error=first)
    out = parts[0]
    seen, split = out.seen.copy(), out.split.copy()
    seen_unknown, split_unknown = out.seen_unknown, out.split_unknown
    demand = out.demand.copy()
    for p in parts[1:]:
        demand += p.demand
        split |= p.split | (seen & p.seen)
        seen |= p.seen
        both = pd.Index(seen_unknown, dtype=object).intersection(
            pd.Index(p.seen_unknown, dtype=object)
        )
        split_unknown = union_ids(split_unknown, p.split_unknown, both.to_numpy())
        seen_unknown = union_ids(seen_unknown, p.seen_unknown)
    return CatchmentPartial(
        demand=demand,
        rows_read=sum(p.rows_read for p in parts),
        rows_diagonal_replaced=sum(p.rows_diagonal_replaced for p in parts),
        rows_outside=sum(p.rows_outside for p in parts),
        rows_zero_weight=sum(p.rows_zero_weight for p in parts),
        n_pairs=sum(p.n_pairs for p in parts),
        unknown_origins=seen_unknown,
        seen=seen,
        split=split,
        seen_unknown=seen_unknown,
        split_unknown=split_unknown,
    )


def union_ids(*arrays: npt.NDArray[Any]) -> npt.NDArray[np.object_]:
    """Distinct ids of the arrays, in apl's canonical order (:func:`apl.pairs.sorted_ids`)."""
    merged = pd.unique(
        pd.Index(np.concatenate([np.asarray(a, dtype=object) for a in arrays]), dtype=object)
    )
    return pairs.sorted_ids(np.asarray(merged, dtype=object))


# --- pass 2: partial APL --------------------------------------------------------------------


def partition_accessibility(
    part: pd.DataFrame, problem: Problem, ratio: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Pass 2 on one partition: partial APL_i = Σ_j w_ij R_j over its pairs.

    `ratio` is R_j (acts per year per standardised inhabitant), shape (n_supply,) for one
    supply or (n_supply, K) for K scenarios; the result has shape (n_demand,) or
    (n_demand, K), consultations per year per standardised inhabitant.
    """
    _, s = weighted_partition(part, problem)
    if ratio.ndim == 1:
        return kernels.accessibility(s.indptr, s.indices, s.weights, ratio)
    return kernels.accessibility_many(s.indptr, s.indices, s.weights, ratio)


def add_arrays(parts: Sequence[npt.NDArray[np.float64]]) -> npt.NDArray[np.float64]:
    """Sum of partial APL arrays (one reduction-tree node)."""
    out = parts[0].copy()
    for p in parts[1:]:
        out += p
    return out


# --- duplicate pairs across partitions -----------------------------------------------------


def split_rows(part: pd.DataFrame, k: int, split_codes: npt.NDArray[np.object_]) -> pd.DataFrame:
    """Keys of the rows of partition `k` whose origin is split across partitions, with the
    partition and the row position (index labels stay behind: they may be of any type)."""
    # pd.Index infers the codes' dtype (int64 ids stay integers: no object comparison).
    mask = part["origin"].isin(pd.Index(list(split_codes))).to_numpy()
    positions = np.flatnonzero(mask)
    # The code columns keep their dtype (int64 ids: 8 bytes a row in the shuffle, not a
    # Python object each).
    rows = part.loc[mask, KEYS].reset_index(drop=True)
    rows["partition"] = np.full(positions.shape[0], k, dtype=np.int64)
    rows["position"] = positions.astype(np.int64)
    return rows


def split_meta(keys_meta: pd.DataFrame) -> pd.DataFrame:
    """Empty frame with the columns and dtypes :func:`split_rows` returns."""
    meta = keys_meta[KEYS].iloc[:0].reset_index(drop=True)
    meta["partition"] = pd.Series([], dtype=np.int64)
    meta["position"] = pd.Series([], dtype=np.int64)
    return meta


def bucket_duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    """Duplicated keys of one shuffle bucket: count of repeated rows and the first of them
    (lowest partition, then position) among all the rows of a repeated key."""
    out = pd.DataFrame({"count": [0], "partition": [-1], "position": [-1]})
    if len(frame) == 0:
        return out
    dup = frame.duplicated(subset=KEYS, keep=False).to_numpy()
    if not dup.any():
        return out
    rows = frame[dup].sort_values(["partition", "position"], kind="stable")
    out.loc[0] = [int(frame.duplicated(subset=KEYS).sum()), int(rows["partition"].iloc[0]),
                  int(rows["position"].iloc[0])]  # fmt: skip
    return out


def describe_row(part: pd.DataFrame, position: int) -> tuple[Any, str]:
    """Index label and text of one row, as apl.validation names rows (row 'label' (keys))."""
    label = validation.plain(part.index[position])
    keys = ", ".join(f"{k}={validation.plain(part[k].iloc[position])!r}" for k in KEYS)
    return label, f"row {label!r} ({keys})"


#: Up to this many rows of split origins (estimated), the cross-partition check runs in one
#: task; beyond, the rows are shuffled by origin (Dask's p2p shuffle, spilling to disk).
ONE_TASK_ROWS = 2_000_000


def split_duplicates(
    parts: list[Any], split_codes: npt.NDArray[np.object_], estimated_rows: int,
    keys_meta: pd.DataFrame,
) -> Any:  # fmt: skip
    """A Dask collection giving the duplicated keys among rows of split origins (see
    :func:`bucket_duplicates`), or None when no origin is split.

    All rows of one origin meet in one bucket, so a repeated pair is found locally there.
    """
    if split_codes.size == 0:
        return None
    codes_ref = ship(split_codes)  # once per worker: in a table in random order, every origin
    pieces = [dask.delayed(split_rows, pure=True)(p, k, codes_ref) for k, p in enumerate(parts)]
    if estimated_rows <= ONE_TASK_ROWS:
        return dask.delayed(lambda frames: bucket_duplicates(pd.concat(frames, ignore_index=True)))(
            pieces
        )
    meta = split_meta(keys_meta)
    rows = dd.from_delayed(pieces, meta=meta, verify_meta=False)
    # p2p (disk-backed, scalable) on a cluster; the task-based shuffle on a local scheduler.
    method = "p2p" if _current_client() is not None else "tasks"
    n_buckets = max(1, min(len(parts), estimated_rows // max(ONE_TASK_ROWS, 1) + 1))
    buckets = rows.shuffle(on="origin", npartitions=n_buckets, shuffle_method=method)
    found = buckets.map_partitions(bucket_duplicates, meta=bucket_duplicates(meta))
    # As delayed (graph unoptimised, keys kept) so that it is computed with pass 2 in one
    # graph that reads each partition once.
    return dask.delayed(pd.concat)(found.to_delayed(optimize_graph=False), ignore_index=True)


def raise_split_duplicate(found: pd.DataFrame, parts: list[Any]) -> None:
    """Raise DuplicateError naming the first row of a pair repeated across partitions."""
    found = found[found["count"] > 0]
    if len(found) == 0:
        return
    first = found.sort_values(["partition", "position"], kind="stable").iloc[0]
    k, position = int(first["partition"]), int(first["position"])
    # Error path only: read that one partition again to name the row as in memory.
    (named,) = dask.compute(dask.delayed(describe_row)(parts[k], position))
    label, text = named
    msg = (
        f"{TABLE}: {text} is duplicated on {KEYS} ({int(found['count'].sum())} duplicate "
        f"row(s)); each must appear once. [partition {k} of {len(parts)} of the Dask "
        f"DataFrame, row position {position} within that partition; a copy is in another "
        "partition]"
    )
    error = DuplicateError(msg, table=TABLE, column="origin", row=label)
    error.partition = k  # type: ignore[attr-defined]
    error.position = position  # type: ignore[attr-defined]
    raise error


# --- the driver -----------------------------------------------------------------------------


def tree_reduce(
    items: list[Any], combine: Callable[[Sequence[Any]], Any], split_every: int = SPLIT_EVERY
) -> Any:
    """Reduce delayed partials in a tree of fan-in `split_every` (runs on the workers)."""
    while len(items) > 1:
        items = [
            dask.delayed(combine, pure=True)(items[i : i + split_every])
            for i in range(0, len(items), split_every)
        ]
    return items[0]


def compact_index(index: pd.Index) -> pd.Index:
    """Integer ids as an int64 Index for the workers (same units, same order).

    Each partition maps its codes through demand and supply: on an object Index of Python
    ints every lookup pays per-object work over all units (≈ 0.1 s per partition for 2 M grid
    squares), on an int64 Index almost none. Text codes stay as they are.
    """
    if index.dtype == object and len(index) and index.inferred_type == "integer":
        return pd.Index(index.to_numpy(dtype=np.int64), name=index.name)
    return index


class ClusterError(RuntimeError):
    """The Dask cluster lost the workers (or the data) a computation needed; nothing was
    returned. Not an input error: rerun on a healthy cluster, or with more memory per worker."""


def compute(*collections: Any) -> tuple[Any, ...]:
    """``dask.compute``, turning a cluster failure into a :class:`ClusterError` that says
    no partial result was used (Dask retries a task whose worker died on another worker;
    this is raised only when that fails too)."""
    import concurrent.futures

    try:
        from distributed import KilledWorker
    except ImportError:  # dask without distributed
        KilledWorker = ()  # type: ignore[assignment,misc]
    try:
        return tuple(dask.compute(*collections))
    except (KilledWorker, concurrent.futures.CancelledError) as error:
        msg = (
            f"apl.distributed: the Dask cluster lost workers or data this computation needed "
            f"({type(error).__name__}: {error}); no result was returned. Workers that die "
            "repeatedly on the same task usually run out of memory: use smaller partitions "
            "or a larger memory_limit, then rerun."
        )
        raise ClusterError(msg) from error


def _current_client() -> Any:
    """The distributed Client dask.compute will use now, or None (local scheduler)."""
    from dask.base import get_scheduler

    scheduler = get_scheduler()
    owner = getattr(scheduler, "__self__", None)
    try:
        from distributed import Client
    except ImportError:  # dask without distributed: the local scheduler
        return None
    return owner if isinstance(owner, Client) else None


def ship(obj: Any) -> Any:
    """`obj` as a task argument: scattered once to every worker when a Client is current."""
    client = _current_client()
    if client is None:
        # One graph key for the object, so that tasks refer to it instead of copying it
        # (named, not hashed: hashing millions of codes would cost more than the key saves).
        return dask.delayed(obj, name=f"apl-shipped-{uuid.uuid4().hex}", traverse=False)
    return client.scatter(obj, broadcast=True, hash=False)


def require_dask_frame(travel_times: Any) -> None:
    if not isinstance(travel_times, dd.DataFrame):
        msg = (
            f"{TABLE} must be a dask.dataframe.DataFrame for apl.distributed (e.g. "
            f"dd.read_parquet('pairs/')), got {type(travel_times).__name__}; for a pandas "
            "table use apl.compute_apl."
        )
        raise ValidationError(msg, table=TABLE)
    validation.require_columns(travel_times._meta, ["origin", "destination", "minutes"], TABLE)


@dataclass
class Catchment:
    """Pass 1 of the whole table, diagonal included: what both passes share."""

    problem: Problem
    demand: npt.NDArray[np.float64]  # D_j, standardised inhabitants
    diagonal: pairs.PairStructure  # the diagonal pairs alone, as CSR
    counts: CatchmentPartial
    problem_ref: Any  # Problem as shipped to the workers
    split_codes: npt.NDArray[np.object_]  # origins held by more than one partition
    split_rows: int  # estimated rows of those origins


def catchment(
    travel_times: dd.DataFrame,
    demand_index: pd.Index,
    supply_index: pd.Index,
    population: npt.NDArray[np.float64],
    decay: Decay,
    *,
    diagonal: pairs.Diagonal = "zero",
    ids: validation.IdKind = "cog",
) -> Catchment:
    """Pass 1 on the workers, the input checks, and the diagonal added once on the client."""
    require_dask_frame(travel_times)
    parts = travel_times[["origin", "destination", "minutes"]].to_delayed()
    problem = Problem(
        compact_index(demand_index), compact_index(supply_index), population, decay, len(parts),
        diagonal, ids,
    )  # fmt: skip
    ref = ship(problem)
    partials = [
        dask.delayed(partition_catchment, pure=True)(p, k, ref) for k, p in enumerate(parts)
    ]
    (total,) = compute(tree_reduce(partials, combine_catchment))
    if total.error is not None:
        raise total.error.error
    split_codes = np.concatenate(
        [demand_index.to_numpy(dtype=object)[total.split], total.split_unknown]
    ).astype(object)
    n_origins = int(total.seen.sum()) + len(total.seen_unknown)
    split_rows = int(total.rows_read * split_codes.size / max(n_origins, 1))
    # The diagonal, once for the whole table: index_pairs on an empty table yields exactly
    # the (i, i) pairs of every supply unit that is also a demand unit, at 0 minutes (none
    # with diagonal="table": the table's own unit-to-itself rows were weighted as pairs).
    empty = travel_times._meta[["origin", "destination", "minutes"]].iloc[:0]
    indexed = pairs.index_pairs(empty, demand_index, supply_index, diagonal=diagonal, ids=ids)
    g = pairs.weight_pairs(indexed, decay)
    d = total.demand + kernels.catchment_demand(
        g.indptr, g.indices, g.weights, population, len(supply_index)
    )
    return Catchment(problem, d, g, total, ref, split_codes, split_rows)


def accessibility(
    travel_times: dd.DataFrame, c: Catchment, ratio: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Pass 2 on the workers plus the diagonal: APL_i (or APL_ik for K columns of ratio).

    The cross-partition duplicate check runs in the same computation, on the same reads of
    the partitions (no third pass over the table); a duplicate raises before any result.
    """
    parts = travel_times[["origin", "destination", "minutes"]].to_delayed()
    ratio_ref = ship(np.ascontiguousarray(ratio))
    partials = [
        dask.delayed(partition_accessibility, pure=True)(p, c.problem_ref, ratio_ref) for p in parts
    ]
    check = split_duplicates(parts, c.split_codes, c.split_rows, travel_times._meta)
    if check is None:
        (total,) = compute(tree_reduce(partials, add_arrays))
    else:
        total, found = compute(tree_reduce(partials, add_arrays), check)
        raise_split_duplicate(found, parts)
    g = c.diagonal
    if ratio.ndim == 1:
        return total + kernels.accessibility(g.indptr, g.indices, g.weights, ratio)
    return total + kernels.accessibility_many(
        g.indptr, g.indices, g.weights, np.ascontiguousarray(ratio)
    )


def pair_counts(c: Catchment) -> pairs.PairStructure:
    """The diagnostics counters of the whole table in a PairStructure without arrays."""
    t = c.counts
    empty_i = np.zeros(0, dtype=np.int64)
    return pairs.PairStructure(
        indptr=empty_i, indices=empty_i, weights=np.zeros(0), n_supply=len(c.problem.supply_index),
        rows_read=t.rows_read, rows_diagonal_replaced=t.rows_diagonal_replaced,
        rows_outside=t.rows_outside, unknown_origins=pairs.sorted_ids(t.unknown_origins),
        rows_zero_weight=t.rows_zero_weight,
    )  # fmt: skip


def _options(demand: Any, decay: Decay | None, standardised: bool | None, acts_per_fte: float | None,
             parameters: Any, diagonal: str) -> tuple[Decay, bool]:  # fmt: skip
    """The keyword defaults and checks of :func:`apl.compute_apl`, in the same order."""
    decay, standardised = resolve_options(demand, decay, standardised, acts_per_fte, parameters)
    validation.check_diagonal(diagonal)
    return decay, standardised


def _demand(
    demand: pd.DataFrame | pd.Series, kind: validation.IdKind
) -> tuple[pd.Index, npt.NDArray[np.float64]]:
    codes, population = validation.as_keyed_table(
        demand, "demand", "population", unit=" standardised inhabitants", ids=kind
    )
    key = validation.key_column(demand, "demand")
    return pd.Index(codes.to_numpy(), dtype=object, name=key), population


def compute_apl(
    demand: pd.DataFrame | pd.Series,
    supply: pd.DataFrame | pd.Series,
    travel_times: dd.DataFrame,
    *,
    decay: Decay | None = None,
    standardised: bool | None = None,
    acts_per_fte: float | None = None,
    parameters: Any = None,
    ids: validation.IdKind | None = None,
    diagonal: pairs.Diagonal = "zero",
) -> pd.DataFrame:
    """APL of every demand unit with the pair table on a Dask cluster (same result as in memory).

    Parameters
    ----------
    demand : pandas.DataFrame or pandas.Series
        Columns ``commune`` (or ``id``) and ``population`` (standardised inhabitants), or a
        Series of population indexed by unit, as for :func:`apl.compute_apl`. Held by the
        client.
    supply : pandas.DataFrame or pandas.Series
        Columns ``commune`` (or ``id``) and ``acts`` (retained acts per year), or a Series
        indexed by unit. Held by the client.
    travel_times : dask.dataframe.DataFrame
        Columns ``origin``, ``destination`` (unit codes) and ``minutes`` (road time, float
        ≥ 0), e.g. ``dd.read_parquet("pairs/")``. Any partitioning, any row order. Never
        gathered to the client.
    decay, standardised, acts_per_fte, parameters, ids, diagonal
        As for :func:`apl.compute_apl` (decay: minutes → weight; acts_per_fte: acts per
        year of one full-time practitioner; ids ``"cog"``/``"any"``; diagonal
        ``"zero"``/``"table"``). With ``diagonal="zero"`` the unit-to-itself pairs are
        added once for the whole table, not once per partition.

    Returns
    -------
    pandas.DataFrame
        The table :func:`apl.compute_apl` returns on the same data (``apl`` in consultations
        per year per standardised inhabitant, ``population``, optionally ``fte_per_100k``),
        equal to it to rounding (1e-12), with the same diagnostics in
        ``attrs["diagnostics"]``.

    Raises
    ------
    apl.errors.ValidationError
        As :func:`apl.compute_apl`, the error the in-memory path would raise first; an error
        in the pair table also names the partition (``error.partition``) and the row
        position within it (``error.position``) besides its index label (``error.row``).

    Notes
    -----
    Runs on the current :class:`distributed.Client` (``Client(...)`` or ``get_client()``),
    else on Dask's local scheduler. Reads the pair table twice (two passes); persist it
    first (``travel_times.persist()``) when it fits in the cluster's memory.
    """
    decay, standardised = _options(demand, decay, standardised, acts_per_fte, parameters, diagonal)
    kind = validation.resolve_ids(ids, (demand, "demand"), (supply, "supply"))
    demand_index, population = _demand(demand, kind)
    supply_codes, acts = validation.as_keyed_table(
        supply, "supply", "acts", unit=" acts per year", ids=kind
    )
    supply_index = pd.Index(supply_codes.to_numpy(), dtype=object, name=demand_index.name)
    c = catchment(
        travel_times, demand_index, supply_index, population, decay, diagonal=diagonal, ids=kind
    )
    ratio = kernels.supply_ratio(acts, c.demand)
    apl = accessibility(travel_times, c, ratio)
    counts = pair_counts(c)
    result = assemble_result(demand_index, population, apl, supply_index, acts, c.demand, counts,
                             decay=decay, standardised=standardised, acts_per_fte=acts_per_fte,
                             dropped=dropped_table(counts))  # fmt: skip
    n_pairs = c.counts.n_pairs + c.diagonal.n_pairs
    result.attrs["diagnostics"] = dataclasses.replace(result.attrs["diagnostics"], n_pairs=n_pairs)
    return result


def supply_scenarios(
    supplies: pd.DataFrame, kind: validation.IdKind
) -> tuple[pd.Index, npt.NDArray[np.float64]]:
    """Validate K supply scenarios: a DataFrame indexed by unit, one column per scenario
    (acts per year, finite, ≥ 0). Returns the supply units and an (n_supply, K) array."""
    if not isinstance(supplies, pd.DataFrame) or supplies.shape[1] == 0:
        msg = "supplies must be a DataFrame indexed by commune (or id) with one column per scenario (acts per year)."
        raise ValidationError(msg, table="supplies")
    index = pd.Series(supplies.index, index=supplies.index)
    codes = validation.check_codes(index, "supplies", "index", ids=kind)
    if not supplies.index.is_unique:
        dup = supplies.index[supplies.index.duplicated()][0]
        raise ValidationError(
            f"supplies: unit {dup!r} appears twice in the index.", table="supplies", row=dup
        )
    for column in supplies.columns:
        validation.check_values(
            supplies[column], "supplies", str(column), supplies, unit=" acts per year"
        )
    return pd.Index(codes.to_numpy(), dtype=object), supplies.to_numpy(dtype=np.float64)


def compute_many(
    demand: pd.DataFrame | pd.Series,
    supplies: pd.DataFrame,
    travel_times: dd.DataFrame,
    *,
    decay: Decay | None = None,
    parameters: Any = None,
    ids: validation.IdKind | None = None,
    diagonal: pairs.Diagonal = "zero",
) -> pd.DataFrame:
    """APL for K supply scenarios, with the pair table read twice in all (not 2K times).

    D_j depends on demand and times only, so pass 1 is shared; pass 2 carries the K supply
    ratios at once (:func:`apl.kernels.accessibility_many`).

    Parameters
    ----------
    demand : pandas.DataFrame or pandas.Series
        As for :func:`compute_apl`.
    supplies : pandas.DataFrame
        Acts per year, indexed by unit (supply communes or ids), one column per scenario.
    travel_times : dask.dataframe.DataFrame
        As for :func:`compute_apl`.
    decay, parameters, ids, diagonal
        As for :func:`apl.compute_apl`.

    Returns
    -------
    pandas.DataFrame
        APL (consultations per year per standardised inhabitant), demand units × scenarios
        (the columns of `supplies`). Column k equals ``compute_apl(demand, supplies[k],
        travel_times)["apl"]``. ``attrs``: ``catchment_demand`` (D_j per supply unit,
        standardised inhabitants; a unit with D_j = 0 reaches nobody in any scenario),
        ``n_pairs`` and ``dropped`` (as in :class:`apl.Diagnostics`).
    """
    decay, _ = _options(demand, decay, None, None, parameters, diagonal)
    kind = validation.resolve_ids(ids, (demand, "demand"))
    demand_index, population = _demand(demand, kind)
    supply_index, matrix = supply_scenarios(supplies, kind)
    supply_index = supply_index.rename(demand_index.name)
    c = catchment(
        travel_times, demand_index, supply_index, population, decay, diagonal=diagonal, ids=kind
    )
    ratios = np.zeros_like(matrix)
    for k in range(matrix.shape[1]):
        ratios[:, k] = kernels.supply_ratio(np.ascontiguousarray(matrix[:, k]), c.demand)
    apl = accessibility(travel_times, c, ratios)
    result = pd.DataFrame(apl, index=demand_index, columns=supplies.columns)
    result.attrs["catchment_demand"] = pd.Series(
        c.demand, index=supply_index, name="catchment_demand"
    )
    result.attrs["n_pairs"] = c.counts.n_pairs + c.diagonal.n_pairs
    result.attrs["dropped"] = dropped_table(pair_counts(c))
    return result


def route_batch(
    network: Any,
    origins: pd.DataFrame,
    destinations: pd.DataFrame,
    max_minutes: float,
    max_snap_m: float,
) -> pd.DataFrame:
    """Road times from one batch of origins to every destination (one task on a worker).

    Points were snapped and screened once on the client, so no :class:`SnapWarning` is
    repeated here; one thread per task (the parallelism is across tasks and workers).
    """
    from . import routing

    table = routing.travel_times(network, origins, destinations, max_minutes=max_minutes,
                                 max_snap_m=max_snap_m, n_jobs=1)  # fmt: skip
    table.attrs = {}  # per-batch snapping details: the client reported them once
    return table


ROUTE_META = pd.DataFrame(
    {
        "origin": pd.Series([], dtype=object),
        "destination": pd.Series([], dtype=object),
        "minutes": pd.Series([], dtype=np.float64),
    }
)


def travel_times(
    network: Any,
    origins: pd.DataFrame,
    destinations: pd.DataFrame | None = None,
    *,
    max_minutes: float = 30.0,
    max_snap_m: float | None = None,
    batch_size: int = 500,
) -> dd.DataFrame:
    """Road times routed on the workers, batch by batch of origins: a lazy pair table.

    The road graph is scattered once to every worker (when a :class:`distributed.Client`
    is current); each partition of the result is one batch of `batch_size` origins routed
    to every destination by :func:`apl.routing.travel_times` within `max_minutes`. The
    table is grouped by origin, so :func:`compute_apl`'s cross-partition duplicate check
    costs nothing on it. Nothing is computed until the table is used (``compute_apl``,
    ``.to_parquet(...)``).

    Parameters
    ----------
    network : apl.routing.RoadNetwork
        From :func:`apl.routing.read_road_network` or :func:`apl.routing.load_road_network`.
    origins, destinations : pandas.DataFrame
        An id column ``commune`` (or ``id``) and ``lon``, ``lat`` (WGS84 degrees), e.g.
        :func:`apl.routing.commune_points`; ``destinations=None`` means the same points.
    max_minutes : float, default 30
        Pairs farther than this (minutes) are not reported.
    max_snap_m : float, optional
        Snapping threshold, metres (default :data:`apl.routing.DEFAULT_MAX_SNAP_M`).
        Points farther from the road network are left out with one
        :class:`apl.routing.SnapWarning`, as in :func:`apl.routing.travel_times`.
    batch_size : int, default 500
        Origins per task (and per partition of the result). Each task builds the snapping
        tree of the network once: keep batches large enough that routing dominates.

    Returns
    -------
    dask.dataframe.DataFrame
        ``origin``, ``destination`` (ids as text) and ``minutes`` (float64), sorted by
        origin then destination within each partition, origins in the order given.
    """
    import warnings

    from . import routing

    if not (isinstance(batch_size, int) and batch_size > 0):
        raise ValidationError(f"batch_size must be a positive number of origins, got {batch_size!r}.",
                              table="options", column="batch_size")  # fmt: skip
    snap_m = routing.DEFAULT_MAX_SNAP_M if max_snap_m is None else float(max_snap_m)
    # Snap once here: one warning for far points (not one per batch), and batches of
    # routable origins only.
    kept = {}
    for what, table in (("origins", origins), ("destinations", destinations)):
        if table is None:
            continue
        snapped = routing.snap_points(network, table, max_snap_m=snap_m, what=what)
        far = ~snapped["routable"].to_numpy()
        if far.any():
            listed = ", ".join(
                f"{i} ({m:,.0f} m)" for i, m in snapped.loc[far, "snap_m"].head(10).items()
            )
            warnings.warn(f"{int(far.sum())} of {len(table)} {what} lie more than {snap_m:,.0f} m from the road "
                          f"network and are left out: {listed}{' …' if far.sum() > 10 else ''}.",
                          routing.SnapWarning, stacklevel=2)  # fmt: skip
        kept[what] = table.loc[~far]
    targets = kept.get("destinations", kept["origins"])
    net_ref, targets_ref = ship(network), ship(targets)
    starts = range(0, len(kept["origins"]), batch_size)
    tasks = [
        dask.delayed(route_batch, pure=True)(
            net_ref, kept["origins"].iloc[k : k + batch_size], targets_ref, max_minutes, snap_m
        )
        for k in starts
    ]
    if not tasks:
        return dd.from_pandas(ROUTE_META, npartitions=1)
    return dd.from_delayed(tasks, meta=ROUTE_META, verify_meta=False)

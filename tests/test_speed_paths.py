"""The fast reading pass of issue 13 keeps every check: the duplicate check that runs on
other threads while compute_apl goes on, and the key reuse between the loaders' checks and
the pair table (the numbers of the general path, to the last bit)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import apl
from apl import kernels, pairs
from apl.errors import DuplicateError

DEMAND = pd.DataFrame({"commune": ["01001", "01002", "2A004", "38185"],
                       "population": [1000.0, 500.0, 250.0, 2000.0]})  # fmt: skip
SUPPLY = pd.DataFrame({"commune": ["01001", "38185"], "acts": [5000.0, 12000.0]})


def scattered_times(extra: list[tuple[str, str, float]]) -> pd.DataFrame:
    """Every demand × supply pair, rows NOT grouped by origin (an origin comes back after
    another one), plus `extra` rows at the end."""
    rows = [
        ("01001", "38185", 25.0), ("01002", "01001", 8.0), ("01001", "01001", 0.0),
        ("2A004", "01001", 95.0), ("01002", "38185", 30.0), ("38185", "38185", 0.0),
        ("2A004", "38185", 120.0), ("38185", "01001", 24.0), *extra,
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["origin", "destination", "minutes"]).astype(
        {"origin": "str", "destination": "str"}
    )


@pytest.mark.parametrize(
    "repeat",
    [
        ("01002", "01001", 9.0),  # within reach, another time
        ("2A004", "38185", 130.0),  # both copies beyond the decay's reach
        ("01001", "38185", 25.0),  # an identical copy
    ],
)
def test_deferred_duplicate_check_still_raises(repeat):
    times = scattered_times([repeat])
    with pytest.raises(DuplicateError, match="duplicated"):
        apl.compute_apl(DEMAND, SUPPLY, times)
    # the prepared structure too: settle() raises what the threads found
    built = pairs.build_pair_structure(
        times, pd.Index(DEMAND.commune), pd.Index(SUPPLY.commune), apl.StepDecay.drees(),
        defer_checks=True,
    )  # fmt: skip
    with pytest.raises(DuplicateError):
        built.settle()


def test_no_duplicate_gives_the_numbers_of_the_general_path():
    times = scattered_times([])
    fast = apl.compute_apl(DEMAND, SUPPLY, times)
    # object columns take the general path (pandas factorisation), never the Arrow scan
    general = apl.compute_apl(
        DEMAND, SUPPLY, times.astype({"origin": object, "destination": object})
    )
    np.testing.assert_array_equal(fast["apl"].to_numpy(), general["apl"].to_numpy())
    # hand check of 01002: 2SFCA, DREES steps (8 min → 1, 30 min → 0)
    # D(01001) = 1000·1 (itself, 0 min) + 500·1 (01002, 8 min) + 2000·0 (24 min) = 1500
    # APL(01002) = 1 · 5000 / 1500
    assert fast.loc["01002", "apl"] == pytest.approx(5000.0 / 1500.0, rel=1e-15)


def test_deferred_check_on_several_threads():
    # 7 rows, 3 threads: the bucket check (not grouped) is started and waited for
    codes = ["01001", "01002", "01001", "01003", "01002", "01001", "01003"]
    dest = ["01001", "01001", "01002", "01001", "01002", "01001", "01003"]
    row_of = np.full(kernels.COG_KEY_SPACE, -1, dtype=np.int32)
    keys = kernels.cog_keys(
        *pairs.arrow_buffers(pd.Series(["01001", "01002", "01003"], dtype="str"))
    )
    row_of[keys] = [0, 1, 2]
    chunk = lambda c: [pairs.arrow_buffers(pd.Series(c, dtype="str"))]  # noqa: E731
    for repeat, expected in ((True, True), (False, False)):
        d = dest if repeat else [*dest[:5], "01003", "01003"]  # 01001→01003: new pair
        out = kernels.scan_cog_chunks(chunk(codes), chunk(d), np.ones(7), row_of, row_of,
                                      20.0, False, 3, defer_duplicate=True)  # fmt: skip
        found = out[8]
        assert (found() if callable(found) else found) is expected


def test_in_memory_table_in_seconds_warns_once(tmp_path):
    """A table built in memory with seconds in its minutes column gets the loaders'
    seconds-as-minutes warning from compute_apl; a table read by apl.io was checked when
    read and is not warned about twice, but a table derived from it with other minutes is."""
    import warnings

    times = scattered_times([])
    seconds = times.assign(minutes=times["minutes"] * 60.0)  # median off-diagonal 1,650 s
    with pytest.warns(apl.errors.DataWarning, match="really seconds"):
        apl.compute_apl(DEMAND, SUPPLY, seconds)
    for codes in ("category", "object"):  # other column kinds compare as well
        as_codes = seconds.astype({"origin": codes, "destination": codes})
        with pytest.warns(apl.errors.DataWarning, match="really seconds"):
            apl.compute_apl(DEMAND, SUPPLY, as_codes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        apl.compute_apl(DEMAND, SUPPLY, times)  # minutes: no warning
    path = tmp_path / "seconds.csv"
    seconds.to_csv(path, index=False)
    with pytest.warns(apl.errors.DataWarning):  # the loader warns once, when reading
        read = apl.io.read_travel_times(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        apl.compute_apl(DEMAND, SUPPLY, read)  # ... and compute_apl not again
    minutes_edited = read.assign(minutes=read["minutes"] * 2)  # attrs carried, minutes not
    with pytest.warns(apl.errors.DataWarning, match="really seconds"):
        apl.compute_apl(DEMAND, SUPPLY, minutes_edited)


def test_duplicate_error_comes_before_the_seconds_warning():
    times = scattered_times([("01002", "01001", 9.0)])
    seconds = times.assign(minutes=times["minutes"] * 60.0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would be raised instead of the error
        with pytest.raises(DuplicateError):
            apl.compute_apl(DEMAND, SUPPLY, seconds)


def test_loader_marks_its_table_checked(tmp_path):
    path = tmp_path / "times.csv"
    scattered_times([]).to_csv(path, index=False)
    read = apl.io.read_travel_times(path)
    # the median of the minutes between distinct communes (8 24 25 30 95 120): (25 + 30) / 2
    assert read.attrs.get("minutes_checked") == pytest.approx(27.5)


def _apl_in_child(conn) -> None:
    try:
        conn.send(apl.compute_apl(DEMAND, SUPPLY, scattered_times([]))["apl"].tolist())
    except Exception as error:  # sent back, so that the parent's assertion shows it
        conn.send(repr(error))
    conn.close()


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="fork start method only")
def test_threads_work_in_a_forked_child(monkeypatch):
    """The thread pool of the reading pass is made again in a forked child (the parent's
    threads do not exist there): several threads on a small table, before and after a fork."""
    import multiprocessing

    monkeypatch.setattr(kernels.pairs, "MIN_PART_ROWS", 2)  # 8 rows: several threads
    expected = apl.compute_apl(DEMAND, SUPPLY, scattered_times([]))["apl"].tolist()
    context = multiprocessing.get_context("fork")
    parent, child = context.Pipe()
    process = context.Process(target=_apl_in_child, args=(child,))
    process.start()
    assert parent.poll(60), "the forked child did not answer (pool threads missing?)"
    assert parent.recv() == expected
    process.join(10)


def test_seconds_check_on_chunked_columns():
    """Code columns in several Arrow chunks (as pandas reads a CSV file) are sampled chunk
    by chunk: the same values, and the same warning, as one chunk."""
    import pyarrow as pa

    from apl.io.travel_times import _sampled, sampled_median_minutes

    times = scattered_times([])
    seconds = times.assign(minutes=times["minutes"] * 60.0)
    chunked = seconds.copy()
    for col in ("origin", "destination"):
        values = seconds[col].tolist()
        arrow = pa.chunked_array([values[:3], values[3:4], values[4:]], type=pa.large_string())
        chunked[col] = pd.Series(pd.arrays.ArrowStringArray(arrow), index=seconds.index)
    take = np.array([0, 2, 3, 5, 7])
    for col in ("origin", "destination"):
        assert _sampled(chunked[col], take).tolist() == seconds[col].iloc[take].tolist()
    assert sampled_median_minutes(chunked) == sampled_median_minutes(seconds) == 1650.0
    with pytest.warns(apl.errors.DataWarning, match="really seconds"):
        apl.compute_apl(DEMAND, SUPPLY, chunked)

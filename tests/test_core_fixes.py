"""Silent wrong results and unhelpful messages found in review, each now an error, a warning
or the right number (key kinds, un-normalised COG codes, seconds saved as Parquet minutes,
bad option types, NumPy reprs in messages)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import apl
from apl.errors import CommuneCodeError, DataWarning, ValidationError

# --- 1. integer ids against text ids --------------------------------------------------

INT_DEMAND = pd.DataFrame({"id": [1, 2], "population": [100.0, 200.0]})
INT_SUPPLY = pd.DataFrame({"id": [1], "acts": [1000.0]})
INT_TIMES = pd.DataFrame({"origin": [1, 2], "destination": [1, 1], "minutes": [0.0, 12.0]})


@pytest.mark.parametrize(
    ("demand", "supply", "times", "table", "column"),
    [
        # text ids in the travel times, integers in demand and supply
        (INT_DEMAND, INT_SUPPLY, INT_TIMES.astype({"origin": str, "destination": str}),
         "travel_times", "origin"),
        # text supply ids only
        (INT_DEMAND, INT_SUPPLY.astype({"id": str}), INT_TIMES, "supply", "id"),
        # text destinations only
        (INT_DEMAND, INT_SUPPLY, INT_TIMES.astype({"destination": str}), "travel_times",
         "destination"),
        # text demand, integer supply and times
        (INT_DEMAND.astype({"id": str}), INT_SUPPLY, INT_TIMES, "supply", "id"),
    ],
)  # fmt: skip
def test_integer_and_text_ids_raise(demand, supply, times, table, column):
    with pytest.raises(CommuneCodeError, match="never match") as info:
        apl.compute_apl(demand, supply, times)
    assert info.value.table == table
    assert info.value.column == column
    message = str(info.value)
    assert "integer" in message and "text" in message and "astype" in message


def test_integer_and_text_ids_raise_on_parquet(tmp_path):
    path = tmp_path / "times.parquet"
    INT_TIMES.astype({"origin": str, "destination": str}).to_parquet(path, index=False)
    with pytest.raises(CommuneCodeError, match="never match"):
        apl.compute_apl(INT_DEMAND, INT_SUPPLY, path)


def test_integer_and_text_ids_raise_in_model():
    times = INT_TIMES.astype({"origin": str, "destination": str})
    with pytest.raises(CommuneCodeError, match="never match"):
        apl.AccessibilityModel(INT_DEMAND, times)
    model = apl.AccessibilityModel(INT_DEMAND, INT_TIMES)
    with pytest.raises(CommuneCodeError, match="never match"):
        model.compute(INT_SUPPLY.astype({"id": str}))


def test_integer_ids_still_work():
    # D_1 = 100 + 200 (both within 15 minutes... 12 min has weight 2/3 under DREES):
    # D_1 = 100·1 + 200·(2/3) = 233.33; R_1 = 1000 / 233.33 = 4.2857
    # APL_1 = 1·R_1 = 4.2857; APL_2 = (2/3)·R_1 = 2.8571
    result = apl.compute_apl(INT_DEMAND, INT_SUPPLY, INT_TIMES)
    r = 1000.0 / (100.0 + 200.0 * 2.0 / 3.0)
    np.testing.assert_allclose(result["apl"].to_numpy(), [r, 2.0 / 3.0 * r])


def test_routing_keeps_integer_ids_and_apl_is_right():
    pytest.importorskip("osmium")
    from apl import routing

    network = routing.read_road_network(routing.example_extract())
    points = pd.DataFrame({"id": [1, 2], "lon": [7.42, 7.43], "lat": [43.74, 43.735]})
    times = routing.travel_times(network, points)
    assert pd.api.types.is_integer_dtype(times["origin"].dtype)
    assert pd.api.types.is_integer_dtype(times["destination"].dtype)
    assert set(times["origin"]) == {1, 2}
    demand = pd.DataFrame({"id": [1, 2], "population": [1000.0, 2000.0]})
    supply = pd.DataFrame({"id": [1], "acts": [5000.0]})
    result = apl.compute_apl(demand, supply, times)
    # the weight of each pair under the DREES decay, from the routed minutes
    minutes = times.set_index(["origin", "destination"])["minutes"]
    decay = apl.StepDecay.drees()
    w21 = float(decay(np.array([minutes[(2, 1)]]))[0])  # 2 → 1: patients of 2 at GP in 1
    assert minutes[(2, 1)] < 10.0 and w21 == 1.0  # the two points are ~6 minutes apart
    # D_1 = 1000·1 + 2000·w21 = 3000; R_1 = 5000 / 3000 = 1.667; APL_i = w_i1 · R_1
    r1 = 5000.0 / (1000.0 + 2000.0 * w21)
    np.testing.assert_allclose(result["apl"].to_numpy(), [r1, w21 * r1])
    np.testing.assert_allclose(result["apl"].to_numpy(), [5 / 3, 5 / 3])


def test_routing_text_ids_stay_text():
    pytest.importorskip("osmium")
    from apl import routing

    network = routing.read_road_network(routing.example_extract())
    points = pd.DataFrame({"id": ["a", "b"], "lon": [7.42, 7.43], "lat": [43.74, 43.735]})
    times = routing.travel_times(network, points)
    assert set(times["origin"]) == {"a", "b"}


# --- 2. un-normalised COG codes --------------------------------------------------------

DEMAND = pd.DataFrame({"commune": ["38001", "38002"], "population": [100.0, 200.0]})
SUPPLY = pd.DataFrame({"commune": ["38001"], "acts": [1000.0]})
TIMES = pd.DataFrame(
    {"origin": ["38001", "38002"], "destination": ["38001", "38001"], "minutes": [0.0, 12.0]}
)
CORSICA = {"38001": "2A004", "38002": "2B033"}


def _bad_cases():
    """(demand, supply, times, table, column, fragment) with one bad code each."""
    c_demand = DEMAND.replace(CORSICA)
    c_supply = SUPPLY.replace(CORSICA)
    c_times = TIMES.replace(CORSICA)
    return [
        (DEMAND.replace({"38001": "38001 "}), SUPPLY, TIMES, "demand", "commune", "whitespace"),
        (DEMAND, SUPPLY.replace({"38001": " 38001"}), TIMES, "supply", "commune", "whitespace"),
        (DEMAND, SUPPLY, TIMES.replace({"38002": "38002\t"}), "travel_times", "origin",
         "whitespace"),
        (c_demand.replace({"2A004": "2a004"}), c_supply, c_times, "demand", "commune",
         "lower case"),
        (c_demand, c_supply.replace({"2A004": "2a004"}), c_times, "supply", "commune",
         "lower case"),
        (c_demand, c_supply, c_times.assign(destination=["2a004", "2A004"]), "travel_times",
         "destination", "lower case"),
    ]  # fmt: skip


@pytest.mark.parametrize("case", range(6))
@pytest.mark.parametrize("source", ["frame", "parquet"])
def test_unnormalised_codes_raise(case, source, tmp_path):
    demand, supply, times, table, column, fragment = _bad_cases()[case]
    if source == "parquet":
        path = tmp_path / "times.parquet"
        times.to_parquet(path, index=False)
        times = path
    with pytest.raises(CommuneCodeError, match=fragment) as info:
        apl.compute_apl(demand, supply, times)
    assert info.value.table == table
    assert info.value.column == column
    assert "normalize_commune_codes" in str(info.value)
    assert "row" in str(info.value)


def test_unnormalised_codes_raise_in_model():
    with pytest.raises(CommuneCodeError, match="whitespace"):
        apl.AccessibilityModel(DEMAND.replace({"38001": "38001 "}), TIMES)
    model = apl.AccessibilityModel(DEMAND, TIMES)
    with pytest.raises(CommuneCodeError, match="whitespace"):
        model.compute(SUPPLY.replace({"38001": "38001 "}))
    c_model = apl.AccessibilityModel(DEMAND.replace(CORSICA), TIMES.replace(CORSICA))
    with pytest.raises(CommuneCodeError, match="lower case"):
        c_model.compute(pd.Series({"2a004": 1000.0}))
    with pytest.raises(CommuneCodeError, match="lower case"):
        c_model.compute_many(pd.DataFrame({"s": [1000.0]}, index=["2a004"]))


def test_normalised_codes_give_the_right_apl():
    demand = DEMAND.replace({"38001": "38001 "})
    demand["commune"] = apl.io.normalize_commune_codes(demand["commune"])
    result = apl.compute_apl(demand, SUPPLY, TIMES)
    r = 1000.0 / (100.0 + 200.0 * 2.0 / 3.0)  # as in test_integer_ids_still_work
    np.testing.assert_allclose(result["apl"].to_numpy(), [r, 2.0 / 3.0 * r])


def test_free_form_codes_still_accepted():
    demand = pd.DataFrame({"commune": ["X", "grid_1"], "population": [100.0, 200.0]})
    supply = pd.DataFrame({"commune": ["X"], "acts": [1000.0]})
    times = pd.DataFrame(
        {"origin": ["X", "grid_1"], "destination": ["X", "X"], "minutes": [0.0, 12.0]}
    )
    result = apl.compute_apl(demand, supply, times)
    assert result["apl"].to_numpy()[0] > 0


# --- 3. seconds saved as minutes in Parquet --------------------------------------------


@pytest.fixture(scope="module")
def isere():
    return apl.datasets.load_isere()


def test_parquet_seconds_as_minutes_warn(isere, tmp_path):
    times = isere.travel_times
    path = tmp_path / "secs.parquet"
    times.assign(minutes=times["minutes"] * 60.0).to_parquet(path, index=False)
    with pytest.warns(DataWarning, match="really seconds"):
        apl.io.read_travel_times(path)
    with pytest.warns(DataWarning, match="really seconds"):
        apl.compute_apl(isere.demand, isere.supply, path)
    import pyarrow.dataset as ds

    with pytest.warns(DataWarning, match="really seconds"):
        apl.compute_apl(isere.demand, isere.supply, ds.dataset(path))


def test_parquet_minutes_do_not_warn(isere, tmp_path):
    path = tmp_path / "minutes.parquet"
    isere.travel_times.to_parquet(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        apl.io.read_travel_times(path)
        apl.compute_apl(isere.demand, isere.supply, path)


def test_parquet_fallback_path_warns(tmp_path):
    # free-form codes: the stream falls back to reading the whole table; it warns too
    demand = pd.DataFrame({"commune": ["X", "Y"], "population": [100.0, 200.0]})
    supply = pd.DataFrame({"commune": ["X"], "acts": [1000.0]})
    times = pd.DataFrame({"origin": ["X", "Y"], "destination": ["X", "X"], "minutes": [0.0, 720.0]})
    path = tmp_path / "t.parquet"
    times.to_parquet(path, index=False)
    with pytest.warns(DataWarning, match="really seconds"):
        apl.compute_apl(demand, supply, path)


# --- 4. option types -------------------------------------------------------------------


def test_parameters_must_be_method_parameters():
    with pytest.raises(ValidationError, match=r'apl\.parameters\.get\("gp", 2023\)') as info:
        apl.compute_apl(DEMAND, SUPPLY, TIMES, parameters="gp")  # type: ignore[arg-type]
    assert info.value.column == "parameters"
    # the right object works
    apl.compute_apl(DEMAND, SUPPLY, TIMES, parameters=apl.parameters.get("gp", 2023))


def test_decay_must_be_callable():
    with pytest.raises(ValidationError, match="decay must be a callable") as info:
        apl.compute_apl(DEMAND, SUPPLY, TIMES, decay=15)  # type: ignore[arg-type]
    assert info.value.column == "decay"


# --- 5. plain values in messages -------------------------------------------------------


def _message(call) -> str:
    with pytest.raises(ValidationError) as info:
        call()
    return str(info.value)


def test_messages_print_plain_values():
    nan_decay = _message(
        lambda: apl.compute_apl(DEMAND, SUPPLY, TIMES, decay=lambda t: np.full_like(t, np.nan))
    )
    assert "returned weight nan for" in nan_decay
    model = apl.AccessibilityModel(DEMAND, TIMES)
    many = _message(lambda: model.compute_many(pd.DataFrame({"s": [np.nan]}, index=["38001"])))
    assert "found nan" in many
    zone = _message(lambda: apl.zoning.class_index(np.array([-1.0])))
    assert "found -1.0" in zone
    for text in (nan_decay, many, zone):
        assert "np." not in text


def test_routing_message_prints_plain_values():
    pytest.importorskip("osmium")
    from apl import routing

    network = routing.read_road_network(routing.example_extract())
    points = pd.DataFrame({"id": ["a", "b"], "lon": [7.42, np.nan], "lat": [43.74, 43.7]})
    text = _message(lambda: routing.travel_times(network, points))
    assert "found nan" in text and "np." not in text


def test_option_messages_print_plain_values(isere):
    from apl.uncertainty import zone_probabilities

    text = _message(
        lambda: zone_probabilities(
            isere.demand, isere.supply, isere.travel_times, n_draws=2, time_noise=np.float64(-1)
        )
    )
    assert "got -1.0" in text and "np." not in text
    practitioners = pd.DataFrame(
        {"commune": ["38001"], "acts": [5000.0], "new_practitioner": np.array([2], dtype=np.int64)}
    )
    flag = _message(lambda: apl.retained_activity(practitioners))
    assert "found 2;" in flag and "np." not in flag

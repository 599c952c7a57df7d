"""apl.parameters: method parameters by profession and edition."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import apl
from apl.errors import ValidationError

REFERENCE = Path(__file__).parents[1] / "data" / "reference" / "drees_apl_parameters.csv"


def _reference_rows(parameter: str) -> list[dict[str, str]]:
    with open(REFERENCE, newline="", encoding="utf-8") as handle:
        return [r for r in csv.DictReader(handle) if r["parameter"] == parameter]


@pytest.mark.parametrize("edition", [2022, 2023])
def test_gp_age_weights_match_the_drees_sheet(edition):
    p = apl.parameters.get("gp", edition)
    rows = sorted(
        (r for r in _reference_rows("age_weight") if int(r["year"]) == edition),
        key=lambda r: int(r["lower"]),
    )
    assert p.age_bands == tuple(int(r["lower"]) for r in rows) == tuple(range(0, 95, 5))
    assert p.age_weights == tuple(float(r["value"]) for r in rows)
    # and the year-keyed constants used since 0.1 are the same numbers
    assert p.age_weights == apl.AGE_WEIGHTS[edition]


@pytest.mark.parametrize("edition", [2022, 2023])
def test_gp_decay_caps_thresholds(edition):
    p = apl.parameters.get("gp", edition)
    assert p.decay == apl.StepDecay.drees()
    # the sheet rounds 2/3 and 1/3 to 6 decimals; the parameters keep the exact fractions
    sheet = [float(r["value"]) for r in _reference_rows("distance_decay")]
    np.testing.assert_allclose(p.decay.weights, sheet, atol=1e-6)
    assert p.caps == apl.ActivityCaps(min_acts=250, floor=3600, ceiling=6000, new_practitioner=5400)
    assert p.health_centre_capped is False
    assert p.thresholds == (2.5, 4.0)
    assert p.output_unit == "consultations/year/standardised inhabitant"
    assert p.population_vintage == edition - 2
    assert any("Paramètres" in s for s in p.sources)


def test_available_lists_the_shipped_editions():
    table = apl.parameters.available()
    shipped = set(zip(table["profession"], table["edition"], strict=True))
    assert {("gp", 2022), ("gp", 2023)} <= shipped


def test_unknown_edition_lists_what_exists():
    with pytest.raises(
        ValidationError,
        match=r"no APL parameters for profession 'gp' edition 1999; available: .*gp 2022, gp 2023",
    ):
        apl.parameters.get("gp", 1999)


def _population_by_age() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    communes = ["38185", "38421", "2A004", "75056"]
    rows = [(c, age, float(rng.integers(0, 50))) for c in communes for age in range(0, 100, 3)]
    return pd.DataFrame(rows, columns=["commune", "age", "population"])


def test_parameters_path_reproduces_the_year_keyed_path_exactly():
    pop = _population_by_age()
    gps = pd.DataFrame({
        "commune": ["38185", "38185", "2A004", "75056"],
        "acts": [200.0, 3000.0, 7000.0, 4500.0],
        "new_practitioner": [False, False, False, True],
    })  # fmt: skip
    times = pd.DataFrame({
        "origin": ["38185", "38421", "38421", "2A004", "75056"],
        "destination": ["38421", "38185", "75056", "38185", "38185"],
        "minutes": [12.0, 12.0, 17.5, 9.0, 19.99],
    })  # fmt: skip
    old = apl.compute_apl(
        apl.standardize_population(pop, year=2022), apl.retained_activity(gps), times
    )
    p = apl.parameters.get("gp", 2022)
    new = apl.compute_apl(
        apl.standardize_population(pop, parameters=p),
        apl.retained_activity(gps, parameters=p),
        times,
        parameters=p,
    )
    np.testing.assert_array_equal(old["apl"].to_numpy(), new["apl"].to_numpy())
    np.testing.assert_array_equal(old["population"].to_numpy(), new["population"].to_numpy())
    # 2022 and 2023 weights differ, so the parameters are really used
    other = apl.standardize_population(pop, parameters=apl.parameters.get("gp", 2023))
    assert not np.allclose(other.to_numpy(), new["population"].to_numpy())


def test_parameters_supply_the_default_decay():
    # one demand commune at 25 minutes of one supply commune
    demand = pd.DataFrame({"commune": ["01001"], "population": [100.0]})
    supply = pd.DataFrame({"commune": ["01002"], "acts": [300.0]})
    times = pd.DataFrame({"origin": ["01001"], "destination": ["01002"], "minutes": [25.0]})
    flat = apl.parameters.MethodParameters(
        profession="test", edition=1, decay=apl.StepDecay((30.0,), (1.0, 0.0)),
        age_bands=(0,), age_weights=(1.0,), caps=None,
    )  # fmt: skip
    # GP decay: 25 min ≥ 20 → w = 0, nothing reachable, APL = 0
    assert apl.compute_apl(demand, supply, times)["apl"].iloc[0] == 0.0
    # flat 30-minute decay: w = 1, D = 100, R = 300/100 = 3, APL = 1·3 = 3
    # — and an explicit decay wins over the parameters' one
    assert apl.compute_apl(demand, supply, times, parameters=flat)["apl"].iloc[0] == pytest.approx(
        3.0
    )
    cut = apl.compute_apl(
        demand, supply, times, parameters=flat, decay=apl.StepDecay((10.0,), (1.0, 0.0))
    )
    assert cut["apl"].iloc[0] == 0.0


def test_health_centre_caps_follow_the_parameters():
    gps = pd.DataFrame({
        "commune": ["01001", "01001"],
        "acts": [7000.0, 100.0],
        "structure": ["centre_de_sante", "centre_de_sante"],
    })  # fmt: skip
    gp = apl.parameters.get("gp", 2023)
    # GP rule: centres are not capped → 7000 + 100
    assert apl.retained_activity(gps, parameters=gp).iloc[0] == 7100.0
    capped = apl.parameters.MethodParameters(
        profession="test", edition=2, decay=gp.decay, age_bands=gp.age_bands,
        age_weights=gp.age_weights, caps=gp.caps, health_centre_capped=True,
    )  # fmt: skip
    # capped: 7000 → 6000 (ceiling), 100 → 0 (≤ 250)
    assert apl.retained_activity(gps, parameters=capped).iloc[0] == 6000.0


NURSES = """profession,edition,parameter,lower,upper,value,unit,source
nurse_test,2030,age_weight,0,39,0.5,relative,test fixture (not DREES numbers)
nurse_test,2030,age_weight,40,,1.5,relative,test fixture
nurse_test,2030,decay_step,0,15,1,weight,test fixture
nurse_test,2030,decay_step,15,30,1/2,weight,test fixture
nurse_test,2030,decay_step,30,,0,weight,test fixture
nurse_test,2030,output_unit,,,FTE/100000 standardised inhabitants,,test fixture
nurse_test,2030,acts_per_fte,,,4000,acts/year,test fixture
nurse_test,2030,zone_threshold,,,80,FTE/100000,test fixture
"""


def test_register_a_profession_from_csv(tmp_path):
    path = tmp_path / "nurses.csv"
    path.write_text(NURSES, encoding="utf-8")
    (p,) = apl.parameters.register_csv(path, overwrite=True)
    assert apl.parameters.get("nurse_test", 2030) is p
    assert p.decay(np.array([14.9, 15.0, 29.0, 30.0])).tolist() == [1.0, 0.5, 0.5, 0.0]
    assert p.caps is None and p.acts_per_fte == 4000.0 and p.thresholds == (80.0,)
    assert p.age_weight_series().to_dict() == {"0-39": 0.5, "40+": 1.5}
    with pytest.raises(ValidationError, match="already exist"):
        apl.parameters.register(p)
    assert ("nurse_test", 2030) in set(
        zip(*apl.parameters.available()[["profession", "edition"]].T.values, strict=True)
    )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "profession,edition,parameter,value\n",
            r"missing column\(s\) \['lower', 'upper', 'unit', 'source'\]",
        ),
        (NURSES.replace("output_unit", "colour"), r"line 7: unknown parameter 'colour'"),
        (
            NURSES.replace("1/2", "half"),
            r"expected a number \(or a fraction such as 2/3\), found 'half'",
        ),
        (NURSES.replace("30,,0", "35,,0"), "decay bands must be contiguous"),
        (NURSES.replace("2030,age", "20x0,age", 1), "edition must be a year"),
    ],
)
def test_bad_parameter_files(tmp_path, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationError, match=match):
        apl.parameters.read_csv(path)


def test_profession_without_new_practitioner_rule_caps_new_gps_like_others(tmp_path):
    """A parameter file that names no imputed value for new practitioners gives them no
    special rule (their own acts, capped), not 0 acts."""
    rows = [
        "profession,edition,parameter,lower,upper,value,unit,source",
        "nurse,2024,age_weight,0,,1,weight,test",
        "nurse,2024,decay_step,0,10,1,weight,test",
        "nurse,2024,decay_step,10,,0,weight,test",
        "nurse,2024,activity_min,0,250,0,acts per year,test",
        "nurse,2024,activity_floor,,,3600,acts per year,test",
        "nurse,2024,activity_ceiling,,,6000,acts per year,test",
    ]
    path = tmp_path / "nurse.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (params,) = apl.parameters.read_csv(path)
    assert params.caps.new_practitioner is None
    gps = pd.DataFrame(
        {"commune": ["01001", "01001"], "acts": [4500.0, 100.0], "new_practitioner": [True, True]}
    )
    retained = apl.retained_activity(gps, parameters=params)
    # 4500 is between floor and ceiling: kept; 100 ≤ 250: 0. Total 4500 (not 0, not 2 × 5400)
    assert retained.loc["01001"] == 4500.0
    # with the DREES GP rule the same two new GPs get 5400 each
    gp = apl.retained_activity(gps, parameters=apl.parameters.get("gp", 2023))
    assert gp.loc["01001"] == 2 * 5400.0

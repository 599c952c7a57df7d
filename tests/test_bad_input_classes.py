"""Family: zone classes and silent losses. One classifier (apl.zoning.class_index) used by
zoning, summaries, scenarios and maps: the same bounds [0, 2.5[, [2.5, 4[, [4, ∞[ and the
same handling of missing values everywhere; compute_many reports supply nobody reaches."""

import numpy as np
import pandas as pd
import pytest

import apl
from apl import zoning
from apl.errors import ValidationError

VALUES = pd.Series(
    [0.0, 2.4999999, 2.5, 3.9999, 4.0, 12.0, np.nan], index=[f"0100{k}" for k in range(7)]
)
EXPECTED = [0, 0, 1, 1, 2, 2, zoning.MISSING_CLASS]


def test_class_index_bounds_and_missing():
    assert zoning.class_index(VALUES).tolist() == EXPECTED
    assert zoning.class_labels() == ["[0, 2.5[", "[2.5, 4[", "[4, +∞["]


def test_every_module_agrees():
    names = ["ZIP", "vivier", "HZ", "ND"]
    expected_zones = [names[k] for k in EXPECTED]
    assert zoning.classify(VALUES.to_frame("apl"))["zone"].tolist() == expected_zones
    assert apl.scenarios.classify_apl(VALUES).tolist() == expected_zones
    classes, labels = apl.plot.apl_classes(VALUES)
    assert [
        labels.index(c) if isinstance(c, str) else zoning.MISSING_CLASS for c in classes
    ] == EXPECTED
    below = apl.summary.below_thresholds(VALUES, pd.Series(1.0, index=VALUES.index), (2.5, 4.0))
    # below 2.5: classes 0; below 4: classes 0 and 1; the NaN commune is below neither
    assert below["communes"].tolist() == [2, 4]
    assert below.attrs["no_apl"] == {"communes": ["01006"], "population": 1.0}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [(-0.1, "finite number ≥ 0"), (np.inf, "finite number ≥ 0"), ("beaucoup", "expected a number")],
)
def test_impossible_apl_is_an_error_everywhere(value, fragment):
    bad = pd.Series(
        [1.0, value], index=["01001", "01002"], dtype=object if isinstance(value, str) else float
    )
    with pytest.raises(ValidationError, match=fragment):
        zoning.classify(bad.to_frame("apl"))
    with pytest.raises(ValidationError, match=fragment):
        apl.summary.below_thresholds(bad, pd.Series(1.0, index=bad.index))
    with pytest.raises(ValidationError, match=fragment):
        apl.scenarios.classify_apl(bad)


def test_classify_text_column_was_silently_nd_now_an_error():
    table = pd.DataFrame({"apl": ["3,2", "1.5"]}, index=["01001", "01002"])
    with pytest.raises(ValidationError, match="expected a number"):
        zoning.classify(table)


def test_bad_bounds():
    with pytest.raises(ValidationError, match="increasing"):
        zoning.class_index(VALUES, (4.0, 2.5))


def test_compute_many_reports_supply_nobody_reaches():
    demand = pd.DataFrame({"commune": ["01001", "01002"], "population": [1000.0, 500.0]})
    times = pd.DataFrame({"origin": ["01002"], "destination": ["01001"], "minutes": [12.0]})
    model = apl.AccessibilityModel(demand, times, supply_communes=["01009"])
    supplies = pd.DataFrame(
        {"a": [4000.0, 700.0, 30.0], "b": [4000.0, 0.0, 0.0]}, index=["01001", "01009", "09999"]
    )
    many = model.compute_many(supplies)
    assert many["a"].to_dict() == pytest.approx({"01001": 3.0, "01002": 2.0})
    lost = many.attrs["unreachable_supply"]
    # 01009: known to the model but no demand within reach; 09999: unknown to the model
    assert lost["a"].to_dict() == {"01009": 700.0, "09999": 30.0}
    assert lost["b"].to_dict() == {"01009": 0.0, "09999": 0.0}
    assert many.attrs["lost_acts"].to_dict() == {"a": 730.0, "b": 0.0}
    # the same as compute_apl's diagnostics, scenario by scenario
    one = apl.compute_apl(
        demand, supplies["a"].rename("acts").rename_axis("commune").reset_index(), times
    )
    assert apl.get_diagnostics(one).unreachable_supply.to_dict() == {"01009": 700.0, "09999": 30.0}


def test_compute_many_array_input_reports_too():
    demand = pd.DataFrame({"commune": ["01001", "01002"], "population": [1000.0, 500.0]})
    times = pd.DataFrame({"origin": ["01002"], "destination": ["01001"], "minutes": [12.0]})
    model = apl.AccessibilityModel(demand, times, supply_communes=["01009"])
    matrix = np.zeros((len(model.supply_communes), 2))
    matrix[list(model.supply_communes).index("01009"), 1] = 55.0
    many = model.compute_many(matrix)
    assert many.attrs["lost_acts"].tolist() == [0.0, 55.0]

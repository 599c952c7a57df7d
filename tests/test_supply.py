import numpy as np
import pandas as pd
import pytest

import apl
from apl.errors import ValidationError


def test_caps_boundaries():
    acts = [0, 250, 251, 3600, 3601, 4500, 6000, 6001, 9000]
    # ≤250 → 0; 251–3600 → 3600; 3601–6000 → actual; >6000 → 6000
    expected = [0, 0, 3600, 3600, 3601, 4500, 6000, 6000, 6000]
    codes = [f"0100{k}" for k in range(1, 10)]
    result = apl.retained_activity(pd.DataFrame({"commune": codes, "acts": acts}))
    assert result.to_dict() == dict(zip(codes, map(float, expected), strict=False))


def test_new_gp_centre_and_age():
    table = pd.DataFrame(
        {
            "commune": ["A", "A", "A", "B", "B"],
            "acts": [100.0, 7000.0, 2000.0, 300.0, 5000.0],
            "age": [40, 66, 50, 30, 64],
            "new_practitioner": [True, False, False, False, False],
            "structure": ["cabinet", "cabinet", "centre_de_sante", "centre_de_sante", "cabinet"],
        }
    )
    all_ages = apl.retained_activity(table)
    # A: new GP 5400 + capped 6000 + centre uncapped 2000 = 13400; B: centre 300 + 5000 = 5300
    assert all_ages.to_dict() == {"A": 13400.0, "B": 5300.0}
    zoning = apl.retained_activity(table, max_age=65)
    # the 66-year-old (6000) is dropped from A: 5400 + 2000 = 7400
    assert zoning.to_dict() == {"A": 7400.0, "B": 5300.0}
    assert zoning.attrs["n_excluded_by_age"] == 1


def test_custom_caps():
    caps = apl.ActivityCaps(min_acts=100, floor=1000, ceiling=2000, new_practitioner=1500)
    result = apl.retained_activity(
        pd.DataFrame({"commune": ["A", "B", "C"], "acts": [100, 500, 2500]}), caps=caps
    )
    assert result.tolist() == [0.0, 1000.0, 2000.0]


def test_errors():
    with pytest.raises(ValidationError, match="needs an 'age' column"):
        apl.retained_activity(pd.DataFrame({"commune": ["A"], "acts": [1.0]}), max_age=65)
    with pytest.raises(ValidationError, match="'hopital'"):
        apl.retained_activity(
            pd.DataFrame({"commune": ["A"], "acts": [1.0], "structure": ["hopital"]})
        )
    with pytest.raises(ValidationError, match=r"'new_practitioner'.*True/False"):
        apl.retained_activity(
            pd.DataFrame({"commune": ["A"], "acts": [1.0], "new_practitioner": ["oui"]})
        )
    with pytest.raises(ValidationError, match="min_acts ≤ floor ≤ ceiling"):
        apl.ActivityCaps(floor=7000)
    with pytest.raises(ValidationError, match="acts"):
        apl.retained_activity(pd.DataFrame({"commune": ["A"], "acts": [np.nan]}))

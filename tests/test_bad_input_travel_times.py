"""Family: travel-time tables. Strict layout detection (an unknown header is an error
listing the expected names, never a matrix), minutes that look like seconds, repeated
pairs, matrices."""

import warnings

import numpy as np
import pytest
from bad_input import write

import apl
from apl.errors import DataFormatError, DataWarning


@pytest.mark.parametrize(
    "header",
    [
        "idori,iddes,duree",  # unknown names: used to be read as a matrix (×60 off)
        "Origin,Destination,Minutes",  # case
        "from,to,time",
        "origine;destination;temps",
    ],
)
def test_unknown_long_header_is_an_error_listing_expected_names(tmp_path, header):
    sep = ";" if ";" in header else ","
    text = header + "\n" + sep.join(["01001", "01002", "12"]) + "\n"
    with pytest.raises(DataFormatError) as info:
        apl.io.read_travel_times(write(tmp_path, "tt.csv", text))
    message = str(info.value)
    assert "cannot tell the travel-time layout" in message
    assert (
        "origin, destination, minutes (or seconds)" in message
        and "commune_patient, commune_et, HC" in message
    )


def test_case_hint(tmp_path):
    with pytest.raises(DataFormatError, match="case-sensitive"):
        apl.io.read_travel_times(
            write(tmp_path, "tt.csv", "Origin,Destination,Minutes\n01001,01002,12\n")
        )


def test_matrix_detected_only_from_code_header(tmp_path):
    text = "id,01001,01002\n01001,0,720\n01002,720,0\n"
    times = apl.io.read_travel_times(write(tmp_path, "m.csv", text))
    assert times.attrs["format"] == "matrix" and sorted(times["minutes"]) == [0.0, 0.0, 12.0, 12.0]


def test_matrix_in_minutes(tmp_path):
    text = "id,01001,01002\n01001,0,12\n01002,12,0\n"
    times = apl.io.read_travel_times(write(tmp_path, "m.csv", text), unit="minutes")
    assert sorted(times["minutes"]) == [0.0, 0.0, 12.0, 12.0]


def test_unit_only_for_matrix(tmp_path):
    with pytest.raises(DataFormatError, match="unit= applies to a matrix"):
        apl.io.read_travel_times(
            write(tmp_path, "tt.csv", "origin,destination,minutes\n01001,01002,12\n"),
            unit="seconds",
        )


def test_matrix_origin_twice(tmp_path):
    text = "id,01001,01002\n01001,0,720\n01001,720,0\n"
    with pytest.raises(DataFormatError, match="line 3: origin '01001' has a second row"):
        apl.io.read_travel_times(write(tmp_path, "m.csv", text))


def test_seconds_column_converted(tmp_path):
    times = apl.io.read_travel_times(
        write(tmp_path, "tt.csv", "origin,destination,seconds\n01001,01002,720\n")
    )
    assert times["minutes"].tolist() == [12.0]


def test_both_minutes_and_seconds_refused(tmp_path):
    with pytest.raises(DataFormatError, match="both 'minutes' and 'seconds'"):
        apl.io.read_travel_times(
            write(tmp_path, "tt.csv", "origin,destination,minutes,seconds\n01001,01002,12,720\n")
        )


def test_minutes_that_look_like_seconds_warn(tmp_path):
    text = "origin,destination,minutes\n01001,01001,0\n01001,01002,720\n01002,01001,840\n"
    with pytest.warns(
        DataWarning, match=r"median travel time between distinct communes is 780 minutes"
    ):
        times = apl.io.read_travel_times(write(tmp_path, "tt.csv", text))
    assert times["minutes"].tolist() == [0.0, 720.0, 840.0]  # read as given, but said


def test_plausible_minutes_do_not_warn(tmp_path):
    text = "origin,destination,minutes\n01001,01002,12\n01002,01001,299\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        apl.io.read_travel_times(write(tmp_path, "tt.csv", text))


def test_metric_in_seconds_warns(tmp_path):
    text = "commune_patient;commune_et;KM;HC\n01001;01002;12;720\n"
    with pytest.warns(DataWarning, match="really seconds"):
        apl.io.read_metric(write(tmp_path, "m.csv", text))


@pytest.mark.parametrize(
    ("times", "kind"), [((12, 15), "different times"), ((12, 12), "the same time")]
)
def test_repeated_pair(tmp_path, times, kind):
    text = f"origin,destination,minutes\n01002,01001,{times[0]}\n01001,01002,3\n01002,01001,{times[1]}\n"
    with pytest.raises(
        DataFormatError,
        match=rf"line 2: the pair 01002 → 01001 appears on lines \[2, 4\] with {kind}",
    ):
        apl.io.read_travel_times(write(tmp_path, "tt.csv", text))


def test_repeated_pair_in_memory_is_refused():
    import pandas as pd

    d = pd.DataFrame({"commune": ["01001", "01002"], "population": [1.0, 1.0]})
    s = pd.DataFrame({"commune": ["01001"], "acts": [1.0]})
    t = pd.DataFrame(
        {"origin": ["01002", "01002"], "destination": ["01001", "01001"], "minutes": [5.0, 12.0]}
    )
    with pytest.raises(apl.errors.DuplicateError, match="duplicated"):
        apl.compute_apl(d, s, t)


def test_metric_unroutable_counted(tmp_path):
    text = "commune_patient;commune_et;KM;HC\n01001;01002;12;14\n01002;01001;9999;9999\n"
    times = apl.io.read_metric(write(tmp_path, "m.csv", text))
    assert len(times) == 1 and times.attrs["unroutable"] == {"count": 1, "lines": [3]}


def test_matrix_empty_cells_counted(tmp_path):
    text = "id,01001,01002\n01001,0,\n01002,720,0\n"
    times = apl.io.read_travel_times(write(tmp_path, "m.csv", text))
    assert times.attrs["empty_cells"] == 1 and len(times) == 3
    assert np.isfinite(times["minutes"]).all()


def test_hours_or_minutes_read_as_seconds_warn(tmp_path):
    # an OSRM-like matrix given in minutes but read with the default unit (seconds): ÷ 60
    codes = [f"0100{k}" for k in range(1, 6)]
    rows = [f"{o}," + ",".join("0" if o == d else "25" for d in codes) for o in codes]
    path = write(tmp_path, "m.csv", "id," + ",".join(codes) + "\n" + "\n".join(rows) + "\n")
    with pytest.warns(
        DataWarning, match=r"median travel time between distinct communes is 0.417 minutes"
    ):
        apl.io.read_travel_times(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        times = apl.io.read_travel_times(path, unit="minutes")
    assert sorted(set(times["minutes"])) == [0.0, 25.0]

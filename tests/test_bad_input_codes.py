"""Family: commune codes. Lost leading zeros (error, or padded only where unambiguous and
counted), Corsica 2A/2B, Paris/Lyon/Marseille arrondissements, codes present in one table
and not in another."""

import pandas as pd
import pytest
from bad_input import compute_cli, write

import apl
from apl.errors import CommuneCodeError, DataFormatError, ValidationError

POP_HEADER = "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\n"


def test_lost_leading_zero_is_an_error_naming_line_and_fix(tmp_path):
    path = write(tmp_path, "pop.csv", POP_HEADER + "COM;01001;A;1;30;10\nCOM;1002;B;1;30;10\n")
    with pytest.raises(
        DataFormatError,
        match=r"line 3, column 'CODGEO': code '1002' has 4 digits.*'01002'\?.*pad_codes=True",
    ):
        apl.io.read_population(path)


def test_lost_leading_zero_padded_on_request(tmp_path):
    path = write(tmp_path, "pop.csv", POP_HEADER + "COM;1002;B;1;30;10\n")
    assert apl.io.read_population(path, pad_codes=True)["commune"].tolist() == ["01002"]


def test_metric_pads_by_default_and_counts(tmp_path):
    text = "commune_patient;commune_et;KM;HC\n1001;1004;12;14\n01004;01004;0;0\n"
    times = apl.io.read_metric(write(tmp_path, "m.csv", text))
    assert times["origin"].tolist() == ["01001", "01004"] and times.attrs["padded_codes"] == 1


@pytest.mark.parametrize("code", ["1", "12", "123"])
def test_too_short_to_restore_is_always_an_error(tmp_path, code):
    path = write(tmp_path, "pop.csv", POP_HEADER + f"COM;{code};B;1;30;10\n")
    with pytest.raises(DataFormatError, match="cannot be restored"):
        apl.io.read_population(path, pad_codes=True)


def test_code_stored_as_float(tmp_path):
    path = write(tmp_path, "gp.csv", "commune,acts\n1001.0,10\n")
    assert apl.io.read_gp_activity(path, pad_codes=True)["commune"].tolist() == ["01001"]
    with pytest.raises(DataFormatError, match="4 digits"):
        apl.io.read_gp_activity(path)


def test_excel_text_trick(tmp_path):
    path = write(tmp_path, "gp.csv", 'commune,acts\n="01001",10\n')
    assert apl.io.read_gp_activity(path)["commune"].tolist() == ["01001"]


@pytest.mark.parametrize(
    ("raw", "code"), [("2A004", "2A004"), ("2B033", "2B033"), ("2a004", "2A004")]
)
def test_corsica(tmp_path, raw, code):
    path = write(tmp_path, "pop.csv", POP_HEADER + f"COM;{raw};Ajaccio;1;30;10\n")
    assert apl.io.read_population(path)["commune"].tolist() == [code]


def test_corsica_numeric_code_is_refused(tmp_path):
    path = write(tmp_path, "pop.csv", POP_HEADER + "COM;20004;Ajaccio;1;30;10\n")
    with pytest.raises(DataFormatError, match="Corsican communes are coded 2A"):
        apl.io.read_population(path)


def test_corsica_end_to_end(tmp_path):
    demand = pd.DataFrame({"commune": ["2A004", "2B033"], "population": [1000.0, 500.0]})
    supply = pd.DataFrame({"commune": ["2A004"], "acts": [4000.0]})
    times = pd.DataFrame({"origin": ["2B033"], "destination": ["2A004"], "minutes": [12.0]})
    result = apl.compute_apl(demand, supply, times)
    # as bad_input.EXPECTED_APL: R = 4000 / (1000 + 2/3·500) = 3
    assert result["apl"].to_dict() == pytest.approx({"2A004": 3.0, "2B033": 2.0})


def test_plm_parent_dropped_for_its_arrondissements(tmp_path):
    text = (
        POP_HEADER
        + "COM;75056;Paris;1;30;1000\nARM;75101;Paris 1er;1;30;600\nARM;75102;Paris 2e;1;30;400\n"
    )
    table = apl.io.read_population(write(tmp_path, "pop.csv", text))
    assert sorted(table["commune"]) == ["75101", "75102"] and table.attrs["dropped_parents"] == [
        "75056"
    ]
    assert table["population"].sum() == 1000.0  # not 2000: the parent is not counted twice


def test_plm_kept_when_asked(tmp_path):
    text = POP_HEADER + "COM;69123;Lyon;1;30;1000\nARM;69381;Lyon 1er;1;30;600\n"
    table = apl.io.read_population(write(tmp_path, "pop.csv", text), arrondissements=False)
    assert sorted(table["commune"]) == ["69123", "69381"]


@pytest.mark.parametrize(
    ("demand", "supply", "city"),
    [
        (["75101", "75102"], ["75056"], "Paris"),
        (["69123"], ["69381"], "Lyon"),
        (["13201", "13202"], ["13055"], "Marseille"),
    ],
)
def test_plm_coded_differently_is_an_error(demand, supply, city):
    with pytest.raises(CommuneCodeError, match=f"{city}: .*arrondissements"):
        apl.io.check_arrondissements({"population": demand, "supply": supply})


def test_plm_same_coding_passes():
    apl.io.check_arrondissements(
        {"population": ["75101", "75102"], "supply": ["75101"], "travel times": ["75102"]}
    )
    apl.io.check_arrondissements({"population": ["75056"], "supply": ["75056"]})


def test_cli_refuses_plm_mismatch(tmp_path, capsys):
    pop = write(tmp_path, "pop.csv", "commune,population\n75101,1000\n75102,500\n")
    sup = write(tmp_path, "sup.csv", "commune,acts\n75056,4000\n")
    tt = write(tmp_path, "tt.csv", "origin,destination,minutes\n75101,75056,5\n")
    out = tmp_path / "o.csv"
    assert compute_cli(pop, sup, tt, out) == 2
    assert (
        "Paris: supply use(s) the commune code 75056, population its arrondissements"
        in capsys.readouterr().err
    )
    assert not out.exists()


def test_codes_in_one_table_not_another_are_reported():
    demand = pd.DataFrame({"commune": ["01001", "01002"], "population": [1000.0, 500.0]})
    supply = pd.DataFrame({"commune": ["01001", "09999"], "acts": [4000.0, 700.0]})
    times = pd.DataFrame(
        {"origin": ["01002", "08888"], "destination": ["01001", "01001"], "minutes": [12.0, 3.0]}
    )
    result = apl.compute_apl(demand, supply, times)
    diag = apl.get_diagnostics(result)
    assert result["apl"].to_dict() == pytest.approx({"01001": 3.0, "01002": 2.0})
    assert diag.unreachable_supply.to_dict() == {"09999": 700.0}  # supply nobody reaches
    dropped = diag.dropped.set_index("reason")
    assert any("08888" in codes for codes in dropped["codes"])  # origin not in demand


def test_numeric_codes_in_memory_are_refused():
    demand = pd.DataFrame({"commune": [1001, 1002], "population": [1000.0, 500.0]})
    with pytest.raises(ValidationError):
        apl.compute_apl(
            demand,
            pd.DataFrame({"commune": ["01001"], "acts": [1.0]}),
            pd.DataFrame({"origin": ["01001"], "destination": ["01001"], "minutes": [0.0]}),
        )


def test_non_commune_levels_are_counted_not_silently_dropped(tmp_path):
    text = (
        POP_HEADER
        + "COM;01001;A;1;30;10\nDEP;01;Ain;1;30;99999\nREG;84;ARA;1;30;99999\nDEP;38;Isère;1;30;5\n"
    )
    table = apl.io.read_population(write(tmp_path, "pop.csv", text))
    assert table["population"].sum() == 10.0
    assert table.attrs["ignored_levels"] == {"DEP": 2, "REG": 1}

"""Family: encodings. UTF-8 with and without BOM, UTF-16, latin-1 / cp1252 with accents:
each read to the right numbers and names, never to mojibake or an error."""

import pandas as pd
import pytest
from bad_input import write

import apl

POP1B = (
    "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB\n"
    "COM;01001;L'Abergement-Clémenciat;1;30;100\n"
    "COM;38185;Grenoble;2;30;50,5\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"])
def test_population_any_encoding(tmp_path, encoding):
    table = apl.io.read_population(write(tmp_path, "pop.csv", POP1B, encoding))
    assert table.set_index("commune")["population"].to_dict() == {"01001": 100.0, "38185": 50.5}


def test_bom_does_not_stick_to_first_column_name(tmp_path):
    path = write(tmp_path, "tt.csv", "origin,destination,minutes\n01002,01001,12\n", "utf-8-sig")
    times = apl.io.read_travel_times(path)
    assert list(times.columns) == ["origin", "destination", "minutes"] and times[
        "minutes"
    ].tolist() == [12.0]


def test_cp1252_only_characters_read_right(tmp_path):
    # '’' (U+2019) and 'œ' exist in cp1252 but not in latin-1: decoded as cp1252
    text = (
        "Code de la commune;Libellé de la commune;Code du territoire de vie-santé;Libellé du territoire de vie-santé;Code de la région\n"
        "38185;Grenoble l’Œuvre;38185;Grenoble;84\n"
    )
    table = apl.io.read_commune_tvs(write(tmp_path, "tvs.csv", text, "cp1252"))
    assert table["libelle_commune"].tolist() == ["Grenoble l’Œuvre"]


def test_accented_header_in_latin1_matches(tmp_path):
    text = "Code de la commune;Code du territoire de vie-santé;Code de la région\n01001;01093;84\n"
    table = apl.io.read_commune_tvs(write(tmp_path, "tvs.csv", text, "latin-1"))
    assert table[["commune", "tvs"]].to_numpy().tolist() == [["01001", "01093"]]


def test_gp_activity_latin1_structure_label(tmp_path):
    text = "practitioner_id;commune;acts;structure\nA;38185;4000;centre de santé\n"
    table = apl.io.read_gp_activity(write(tmp_path, "gp.csv", text, "latin-1"))
    assert table["structure"].tolist() == ["centre_de_sante"]


def test_utf16_without_bom_is_refused_not_misread(tmp_path):
    path = tmp_path / "tt.csv"
    path.write_bytes("origin,destination,minutes\n01002,01001,12\n".encode("utf-16-le"))
    with pytest.raises(apl.errors.DataFormatError, match="binary file"):
        apl.io.read_travel_times(path)


def test_population_values_equal_across_encodings(tmp_path):
    frames = [
        apl.io.read_population(write(tmp_path, f"p{k}.csv", POP1B, e))
        for k, e in enumerate(["utf-8", "cp1252"])
    ]
    pd.testing.assert_frame_equal(
        frames[0].reset_index(drop=True), frames[1].reset_index(drop=True), check_like=True
    )

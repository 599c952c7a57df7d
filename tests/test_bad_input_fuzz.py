"""Family: anything at all. Files made of random pieces of real headers, codes, numbers,
separators, quotes and encodings: every loader returns a table or raises an apl error —
never another exception (a crash with a raw traceback)."""

import gzip
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

import apl
from apl.errors import APLError

HEADERS = [
    "origin,destination,minutes", "origin;destination;seconds", "commune_patient;commune_et;KM;HC",
    "id,01001,01002", "NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB", "CODGEO;P21_POP0014;P21_POP15P",
    "practitioner_id,year,commune,acts,age,new_practitioner,structure", "commune,acts",
    "Code de la commune;Code du territoire de vie-santé;Zonage médecins",
]  # fmt: skip
CELLS = [
    "01001", "01002", "1001", "2A004", "2a004", "20004", "75056", "75101", "12", "12,5", "1 234",
    "1.234,5", "1.234", "1,234", "-3", "nan", "inf", "", " ", '"x,y"', '"', "é", "abc", "0", "9999",
    "COM", "DEP", "2023", "2023.5", "oui", "cds", "1e3", '="01001"', "ZIP", "3_HZ", "\ufeff",
]  # fmt: skip
LOADERS = [apl.io.read_travel_times, apl.io.read_population, apl.io.read_gp_activity,
           apl.io.read_commune_tvs, apl.io.read_zoning]  # fmt: skip

files = st.tuples(
    st.sampled_from(HEADERS),
    st.lists(st.lists(st.sampled_from(CELLS), min_size=0, max_size=9), max_size=6),
    st.sampled_from([",", ";", "\t"]),
    st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]),
    st.booleans(),
)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda f: f.__name__)
@given(spec=files)
def test_any_file_gives_a_table_or_an_apl_error(tmp_path_factory, loader, spec):
    header, rows, sep, encoding, gzipped = spec
    text = (
        header.replace(",", sep).replace(";", sep)
        + "\n"
        + "\n".join(sep.join(r) for r in rows)
        + "\n"
    )
    data = text.encode(encoding, errors="replace")
    path = tmp_path_factory.mktemp("fuzz") / "f.csv"
    path.write_bytes(gzip.compress(data) if gzipped else data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", apl.errors.DataWarning)
        try:
            loader(path)
        except APLError:
            pass

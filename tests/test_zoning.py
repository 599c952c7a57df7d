"""Zoning: TVS aggregation, classification, vivier selection, summaries, official files, report."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import apl
from apl import zoning
from apl.errors import DataFormatError, ValidationError

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "reference"


def communes():
    return pd.DataFrame(
        {"apl": [2.0, 5.0, 3.0, 1.0, 4.0], "population": [100.0, 300.0, 50.0, 0.0, 0.0]},
        index=pd.Index(["01001", "01002", "01003", "01004", "01005"], name="commune"),
    )


def test_tvs_apl_hand_case():
    mapping = pd.DataFrame(
        {
            "commune": ["01001", "01002", "01003", "01004", "09999"],
            "tvs": ["T1", "T1", "T2", "T3", "T2"],
            "region": ["84", "84", "84", "84", "84"],
        }
    )
    out = zoning.tvs_apl(communes(), mapping)
    # T1: (2*100 + 5*300) / (100 + 300) = 1700 / 400 = 4.25; T2: 3*50 / 50 = 3; T3: no population
    assert out.loc["T1", "apl"] == pytest.approx(4.25)
    assert out.loc["T2", "apl"] == pytest.approx(3.0)
    assert np.isnan(out.loc["T3", "apl"])
    assert out["communes"].to_dict() == {"T1": 2, "T2": 1, "T3": 1}
    assert out["population"].to_dict() == {"T1": 400.0, "T2": 50.0, "T3": 0.0}
    assert out.loc["T1", "region"] == "84"
    diag = out.attrs["diagnostics"]
    assert list(diag.communes_without_tvs) == ["01005"]
    assert list(diag.tvs_without_population) == ["T3"]
    assert list(diag.mapped_communes_without_apl) == ["09999"]
    assert "1 communes without TVS" in diag.summary()
    classes = zoning.classify(out)
    assert classes["zone"].to_dict() == {"T1": "HZ", "T2": "vivier", "T3": "ND"}


def test_tvs_apl_accepts_series_and_compute_apl_output():
    sample = apl.datasets.load_isere()
    result = apl.compute_apl(sample.demand, sample.supply, sample.travel_times)
    by_canton = pd.Series(["T" + c[:4] for c in result.index], index=result.index)  # 38xx groups
    out = zoning.tvs_apl(result, by_canton)
    assert out["communes"].sum() == 512
    assert (out["apl"] * out["population"]).sum() == pytest.approx(
        (result["apl"] * result["population"]).sum()
    )


@given(
    st.lists(
        st.tuples(
            st.floats(0, 20), st.one_of(st.just(0.0), st.floats(1e-3, 1e5)), st.integers(0, 3)
        ),
        min_size=1,
        max_size=30,
    )
)
def test_tvs_properties(rows):
    table = pd.DataFrame(
        {"apl": [r[0] for r in rows], "population": [r[1] for r in rows]},
        index=[f"{k:05d}" for k in range(len(rows))],
    )
    mapping = pd.Series([f"T{r[2]}" for r in rows], index=table.index)
    out = zoning.tvs_apl(table, mapping)
    for tvs, group in table.groupby(mapping):
        if group["population"].sum() > 0:
            assert group["apl"].min() - 1e-9 <= out.loc[tvs, "apl"] <= group["apl"].max() + 1e-9
    defined = out["apl"].notna()
    assert (out["apl"][defined] * out["population"][defined]).sum() == pytest.approx(
        (table["apl"] * table["population"]).sum(), rel=1e-9, abs=1e-6
    )


def test_classify_edges_and_2025_thresholds():
    table = pd.DataFrame({"apl": [2.4999, 2.5, 2.71, 3.98, 3.99, 4.0, np.nan]})
    assert zoning.classify(table)["zone"].tolist() == [
        "ZIP",
        "vivier",
        "vivier",
        "vivier",
        "vivier",
        "HZ",
        "ND",
    ]
    assert zoning.classify(table, thresholds=zoning.THRESHOLDS_2025)["zone"].tolist() == [
        "ZIP",
        "ZIP",
        "vivier",
        "HZ",
        "HZ",
        "HZ",
        "ND",
    ]
    assert zoning.classify(table.rename(columns={"apl": "apl_65"}), column="apl_65").attrs[
        "thresholds"
    ] == (2.5, 4.0)
    with pytest.raises(ValidationError, match="lower ≤ upper"):
        zoning.classify(table, thresholds=(4.0, 2.5))


def test_propose_vivier_ceiling_binds():
    table = pd.DataFrame(
        {
            "zone": ["ZIP", "vivier", "vivier", "vivier", "HZ"],
            "apl": [2.0, 3.5, 2.6, 3.0, 5.0],
            "population": [100.0, 100.0, 100.0, 100.0, 600.0],
            "region": ["R"] * 5,
        },
        index=["a", "b", "c", "d", "e"],
    )
    # region population 1000, ceiling 30 % → 300; ZIP a uses 100; vivier by APL: c (2.6) → 200,
    # d (3.0) → 300, b (3.5) would make 400 > 300: the ceiling binds
    out = zoning.propose_vivier(table, ceiling=0.3)
    assert out["proposal"].tolist() == ["ZIP", "vivier", "ZAC", "ZAC", "HZ"]
    assert out.attrs["binding"].loc["R", "binding"] == "ceiling"
    assert out.attrs["binding"].loc["R", "classified"] == 300.0
    roomy = zoning.propose_vivier(table, ceiling=0.5, label="ZIP")
    assert roomy["proposal"].tolist() == ["ZIP", "ZIP", "ZIP", "ZIP", "HZ"]
    assert roomy.attrs["binding"].loc["R", "binding"] == "vivier exhausted"
    with pytest.raises(ValidationError, match="share"):
        zoning.propose_vivier(table, ceiling=30)


def test_zoning_summary_shares():
    table = pd.DataFrame(
        {
            "zone": ["ZIP", "ZIP", "HZ", "vivier"],
            "population": [203.0, 0.0, 500.0, 297.0],
            "region": ["R1", "R1", "R1", "R1"],
        }
    )
    out = zoning.zoning_summary(table, by=["region"])
    # ZIP: 203 / 1000 = 20.3 % of the regional population, 2 units
    assert out.loc[("R1", "ZIP"), "share"] == pytest.approx(0.203)
    assert out.loc[("R1", "ZIP"), "units"] == 2
    assert zoning.zoning_summary(table)["share"].sum() == pytest.approx(1.0)
    assert zoning.department_of(pd.Index(["2A004", "97411", "01001"])).tolist() == [
        "2A",
        "974",
        "01",
    ]


# --- official files ------------------------------------------------------------------

TVS_CSV = """Code de la commune;Libellé de la commune;Code du territoire de vie-santé;Libellé du territoire de vie-santé;Code de la région
01001;L'Abergement-Clémenciat;01093;Châtillon-sur-Chalaronne;84
01002;L'Abergement-de-Varey;01004;Ambérieu-en-Bugey;84
"""

ZONING_CSV = """Code de la commune,Libellé de la commune,Zonage médecin
01001,L'Abergement-Clémenciat,2_ZAC
01002,L'Abergement-de-Varey,1_ZIP
97411,Saint-Denis,N/A - résultat non disponible
11262,Narbonne,4_ZAR
38185,Grenoble,HZ
"""


def test_read_commune_tvs_csv(tmp_path):
    path = tmp_path / "tvs.csv"
    path.write_text(TVS_CSV, encoding="cp1252")
    table = apl.io.read_commune_tvs(path)
    assert table.to_dict("records")[0] == {
        "commune": "01001",
        "tvs": "01093",
        "libelle_commune": "L'Abergement-Clémenciat",
        "libelle_tvs": "Châtillon-sur-Chalaronne",
        "region": "84",
    }


def test_read_zoning_csv_and_xlsx(tmp_path):
    path = tmp_path / "z.csv"
    path.write_text(ZONING_CSV)
    table = apl.io.read_zoning(path)
    assert table["zone"].tolist() == ["ZAC", "ZIP", "ND", "ZAR", "HZ"]
    assert table["zone_raw"].iloc[2] == "N/A - résultat non disponible"
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Zonage des médecins généralistes — arrêté ARS"])
    sheet.append([])
    sheet.append(
        ["Code du territoire de vie-santé", "Libellé du territoire de vie-santé", "Zonage"]
    )
    sheet.append(["01093", "Châtillon-sur-Chalaronne", "Zone d'intervention prioritaire"])
    sheet.append(["01004", "Ambérieu-en-Bugey", "3_HZ"])
    book.save(tmp_path / "z.xlsx")
    per_tvs = apl.io.read_zoning(tmp_path / "z.xlsx")
    assert per_tvs.to_dict("records") == [
        {
            "tvs": "01093",
            "zone": "ZIP",
            "zone_raw": "Zone d'intervention prioritaire",
            "libelle_tvs": "Châtillon-sur-Chalaronne",
        },
        {"tvs": "01004", "zone": "HZ", "zone_raw": "3_HZ", "libelle_tvs": "Ambérieu-en-Bugey"},
    ]


@pytest.mark.parametrize(
    ("reader", "text", "match"),
    [
        (
            "read_zoning",
            "Code de la commune,Zonage\n01001,5_ZZZ\n",
            r"line 2, column 'Zonage': unknown zoning label '5_ZZZ'",
        ),
        ("read_zoning", "Code de la commune,Libellé\n01001,X\n", "no zoning column"),
        ("read_zoning", "Libellé,Zonage\nX,ZIP\n", "no 'Code de la commune'"),
        (
            "read_commune_tvs",
            "Code de la commune;Code du territoire de vie-santé\n01001;T1\n01001;T2\n",
            "line 3: commune '01001' is listed twice",
        ),
        (
            "read_commune_tvs",
            "Code de la commune;Code du territoire de vie-santé\n01001;\n",
            "line 2: missing TVS code",
        ),
        ("read_commune_tvs", "Code de la commune;Libellé\n01001;X\n", "missing"),
        ("read_commune_tvs", "", "empty"),
    ],
)
def test_zoning_files_malformed(tmp_path, reader, text, match):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataFormatError, match=match):
        getattr(apl.io, reader)(path)


# --- validation (docs/validation.md) -----------------------------------------------------


@pytest.fixture(scope="module")
def drees():
    return pd.read_csv(REFERENCE / "drees_apl_mg_communes.csv.gz", dtype={"code_commune": str})


@pytest.mark.parametrize(
    ("year", "below_1", "below_25"),
    [
        (2022, (45, 8_040), (118, 41_045)),
        (2023, (43, 7_075), (124, 43_474)),
    ],
)
def test_haute_loire_seed_figures(drees, year, below_1, below_25):
    t = drees[(drees["year"] == year) & drees["code_commune"].str.startswith("43")].set_index(
        "code_commune"
    )
    table = apl.summary.below_thresholds(t["apl"], t["population"], (1.0, 2.5))
    assert len(t) == 257
    assert (table.loc[1.0, "communes"], table.loc[1.0, "population"]) == below_1
    assert (table.loc[2.5, "communes"], table.loc[2.5, "population"]) == below_25


def test_published_zoning_comparison(drees):
    d = drees[drees["year"] == 2023].set_index("code_commune")
    published = pd.read_csv(REFERENCE / "zonage_medecins_2025.csv.gz", dtype=str).set_index(
        "code_commune"
    )
    expected = {
        zoning.THRESHOLDS_2017: (0.5486, 0.5753, 9_604),
        zoning.THRESHOLDS_2025: (0.5346, 0.5715, 10_556),
    }
    for thresholds, (units, population, zip_zip) in expected.items():
        ours = zoning.classify(d, thresholds=thresholds, column="apl_65")["zone"]
        cmp = zoning.compare_zoning(ours, published["classification"], d["population"])
        assert cmp.confusion.loc["total", "total"] == 34_844
        assert cmp.confusion.loc["ZIP", "ZIP"] == zip_zip
        assert cmp.agreement_units == pytest.approx(units, abs=5e-5)
        assert cmp.agreement_population == pytest.approx(population, abs=5e-5)


# --- report ----------------------------------------------------------------------------


def test_report_html(tmp_path):
    from apl.cli import main

    out = tmp_path / "r.html"
    assert main(["report", "--out", str(out), "-q"]) == 0
    text = out.read_text(encoding="utf-8")
    assert (
        text.startswith("<!DOCTYPE html>") and text.count("<path class='c'") == 512
    )  # SVG map, one path per commune
    assert "169,602 (13.2%) in 195 communes" in text and "ESTIMATED" in text
    assert "ZIP &lt; 2.5 ≤ vivier &lt; 4 ≤ HZ" in text


def test_report_per_tvs(tmp_path):
    sample = apl.datasets.load_isere()
    result = apl.compute_apl(sample.demand, sample.supply, sample.travel_times)
    mapping = pd.DataFrame({"commune": result.index, "tvs": ["T" + c[:4] for c in result.index]})
    path = apl.report.write_report(
        result, tmp_path / "t.html", commune_tvs=mapping, thresholds=(2.71, 3.98)
    )
    text = path.read_text(encoding="utf-8")
    assert "Zones (TVS)" in text and "ZIP &lt; 2.71" in text and "data:image" not in text
    # The lines above only echo the arguments: also check the zone table against a zoning
    # worked out here with plain pandas. TVS APL = Σ P·APL / Σ P over its communes;
    # ZIP if < 2.71, HZ if ≥ 3.98, else vivier; units = TVS count, population = Σ P.
    import re

    tvs = pd.Series(["T" + c[:4] for c in result.index], index=result.index)
    weighted = (result["apl"] * result["population"]).groupby(tvs).sum()
    pop = result["population"].groupby(tvs).sum()
    tvs_apl = weighted / pop
    zone = pd.Series(
        np.where(tvs_apl < 2.71, "ZIP", np.where(tvs_apl >= 3.98, "HZ", "vivier")),
        index=tvs_apl.index,
    )
    expected = {z: (int((zone == z).sum()), round(pop[zone == z].sum())) for z in sorted(set(zone))}
    assert len(expected) == 3  # the thresholds split the 57 groups into all three zones
    start = text.index("Zones (TVS)")
    section = text[start : text.index("</table>", start)]
    cell = r"\s*<td[^>]*>\s*([\d,\s\u202f\u00a0]+?)\s*</td>"
    rows = re.findall(r"<th[^>]*>\s*(ZIP|ZAC|vivier|ZAR|HZ|ND)\s*</th>" + cell + cell, section)

    def digits(s):  # thousands separators vary: keep the digits
        return int(re.sub(r"\D", "", s))

    assert {z: (digits(n), digits(p)) for z, n, p in rows} == expected

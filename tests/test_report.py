"""HTML report: content, geometry encoding, comparison, uncertainty, palettes, CLI (no browser).

The browser checks (tooltips, search, sorting, no network) are in test_report_browser.py.
"""

import itertools
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import apl
from apl import report, zoning
from apl.errors import DataWarning, MissingColumnError, ValidationError


@pytest.fixture(scope="module")
def sample():
    return apl.datasets.load_isere()


@pytest.fixture(scope="module")
def result(sample):
    return apl.compute_apl(sample.demand, sample.supply, sample.travel_times)


@pytest.fixture(scope="module")
def geometries(sample):
    return sample.geometries()


def page_data(text: str) -> dict:
    found = re.search(r"<script type='application/json' id='apl-data'>(.*?)</script>", text, re.S)
    assert found, "no data block"
    return json.loads(found.group(1).replace("<\\/", "</"))


def squares(codes, crs=2154, side=1000.0):
    import geopandas as gpd
    import shapely

    x = np.arange(len(codes)) * side
    return gpd.GeoDataFrame(
        {"commune": list(codes)}, geometry=shapely.box(x, 0.0, x + side, side), crs=crs
    )


def small_result(codes, apl_values, population=100.0):
    return pd.DataFrame(
        {"apl": apl_values, "population": population}, index=pd.Index(codes, name="commune")
    )


# --- the sample report ------------------------------------------------------------------


def test_sample_report_content(tmp_path, sample, result, geometries):
    path = report.write_report(
        result,
        tmp_path / "r.html",
        geometries=geometries,
        year=2023,
        sources=["DREES APL 2023"],
        licence="Licence Ouverte 2.0",
    )
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "<html lang='en'>" in text
    # one path per commune of the sample, each reachable with the keyboard
    assert text.count("<path class='c'") == len(sample.communes) == 512
    assert text.count("tabindex='0'") >= 512
    assert 'id="scale-bar"' in text and "data:image/png" not in text
    assert (
        "Source: DREES APL 2023" in text
        and "Year: 2023" in text
        and "Licence: Licence Ouverte 2.0" in text
    )
    # nothing to fetch: no http(s) URL in a src or href attribute
    assert not re.search(r"""(src|href)\s*=\s*['"]?\s*(https?:)?//""", text)
    data = page_data(text)
    assert data["code"] == list(result.index)
    np.testing.assert_allclose(data["values"]["apl"], result["apl"].round(4), atol=0)
    zones = zoning.classify(result, thresholds=(2.5, 4.0))["zone"]
    assert data["values"]["zone"] == zones.tolist()
    layer = data["layers"]["apl"]
    # classes [0,1[ [1,2[ [2,2.5[ [2.5,3[ [3,4[ [4,5[ [5,+inf[ : counted from the APL directly
    edges = [0, 1, 2, 2.5, 3, 4, 5, np.inf]
    expected = [
        int(((result["apl"] >= lo) & (result["apl"] < hi)).sum())
        for lo, hi in itertools.pairwise(edges)
    ]
    assert layer["counts"] == expected and sum(expected) == 512
    assert (
        layer["labels"][3] == "[2.5, 3["
        and layer["unit"] == "consultations/year/standardised inhabitant"
    )
    # the sample's polygons are all joined: nothing without data
    assert "Every commune of the result has a polygon and an APL." in text
    assert path.stat().st_size < 3_000_000


def test_summary_lines_kept(tmp_path, sample, result):
    real = sample.drees_apl[sample.drees_apl["year"] == 2023].set_index("commune")["population"]
    text = report.build_report(result, population=real)
    below = (result["apl"] < 2.5).to_numpy()
    pop = real.reindex(result.index)[below].sum()
    assert f"{pop:,.0f} ({pop / real.sum():.1%}) in {below.sum()} communes" in text
    assert "ZIP &lt; 2.5 ≤ vivier &lt; 4 ≤ HZ" in text
    # table-only report: no map, and it says so
    assert "<svg" not in text and "No commune polygons were given" in text


def test_french_labels(result, geometries, sample):
    real = sample.drees_apl[sample.drees_apl["year"] == 2023].set_index("commune")["population"]
    text = report.build_report(result, geometries=geometries, population=real, lang="fr")
    assert "<html lang='fr'>" in text and "consultations/an/habitant standardisé" in text
    below = (result["apl"] < 2.5).to_numpy()
    pop = f"{real.reindex(result.index)[below].sum():,.0f}".replace(",", "\u202f")
    share = f"{100 * real.reindex(result.index)[below].sum() / real.sum():.1f}".replace(".", ",")
    assert f"{pop} ({share}\u00a0%) dans {below.sum()} communes" in text
    data = page_data(text)
    assert data["layers"]["apl"]["labels"][2:4] == ["[2 ; 2,5[", "[2,5 ; 3["]
    assert data["layers"]["apl"]["labels"][-1] == "[5 ; +∞["
    assert "Rechercher une commune" in text and "Échelle" in text
    with pytest.raises(ValidationError, match="lang"):
        report.build_report(result, lang="de")


# --- geometry ---------------------------------------------------------------------------


def test_svg_map_hand_square():
    # Two 1 km squares side by side in Lambert-93 metres: extent 2,000 m, width 2,000 units,
    # so 1 unit = 1 m. shapely.box rings start at (maxx, miny) counter-clockwise:
    # (1000,0) (1000,1000) (0,1000) (0,0) [closing point dropped]; y flipped: y' = 1000 − y.
    smap = report.svg_map(squares(["A0001", "A0002"]), tolerance=0, width=2000)
    assert smap.codes == ["A0001", "A0002"]
    assert smap.d[0] == "M1000 1000 1000 0 0 0 0 1000Z"
    assert smap.d[1] == "M2000 1000 2000 0 1000 0 1000 1000Z"
    assert (smap.width, smap.height, smap.metres_per_unit) == (2000.0, 1000.0, 1.0)


def test_svg_map_geographic_is_projected_and_simplified():
    import geopandas as gpd
    import shapely

    # a 0.1° × 0.1° square at 45° N with 400 points per side; simplification keeps 4 corners
    square = shapely.segmentize(shapely.box(5.0, 45.0, 5.1, 45.1), 0.1 / 400)
    frame = gpd.GeoDataFrame(
        {"INSEE_COM": ["38185"], "NOM": ["Grenoble"]}, geometry=[square], crs=4326
    )
    smap = report.svg_map(frame)
    assert smap.codes == ["38185"] and smap.names == ["Grenoble"]
    numbers = smap.d[0].strip("MZ").split()
    assert len(numbers) == 8  # 4 corners
    # the square is ≈ 7.9 km wide (0.1° × 111.32 km × cos 45°) and 11.1 km high
    xs, ys = np.array(numbers[0::2], float), np.array(numbers[1::2], float)
    width_m = (xs.max() - xs.min()) * smap.metres_per_unit
    height_m = (ys.max() - ys.min()) * smap.metres_per_unit
    assert width_m == pytest.approx(0.1 * 111_320 * np.cos(np.radians(45.05)), rel=0.01)
    assert height_m == pytest.approx(0.1 * 111_132, rel=0.01)


def test_simplification_shrinks_sample(geometries):
    import shapely

    fine = report.svg_map(geometries, tolerance=0)
    coarse = report.svg_map(geometries)
    assert sum(map(len, coarse.d)) < sum(map(len, fine.d))
    assert coarse.tolerance > 0 and fine.tolerance == 0
    assert all(d.startswith("M") for d in coarse.d)
    assert shapely.get_num_coordinates(geometries.geometry.to_numpy()).sum() > 0


def test_scale_bar_length():
    # 2,000 m wide map: a fifth is 400 m, the nice length below it 200 m
    text = report.build_report(
        small_result(["A0001", "A0002"], [1.0, 3.0]), geometries=squares(["A0001", "A0002"])
    )
    assert ">200 m</text>" in text


def test_join_none_fails_some_warns():
    res = small_result(["38001", "38002", "38003"], [1.0, 3.0, 5.0])
    with pytest.raises(ValidationError, match="none of the 2 polygon codes"):
        report.build_report(res, geometries=squares(["1001", "1002"]))
    with pytest.warns(DataWarning, match="1 of 3 communes of the result have no polygon"):
        text = report.build_report(res, geometries=squares(["38001", "38002", "99999"]))
    assert "1 polygons have no row in the result (hatched on the map): 99999" in text
    assert "1 communes of the result have no polygon (in the table only): 38003" in text
    assert text.count("<path class='c'") == 3 and "data-i='-1'" in text


def test_missing_apl_is_no_data():
    res = small_result(["38001", "38002", "38003"], [1.0, np.nan, 5.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        text = report.build_report(res, geometries=squares(["38001", "38002", "38003"]))
    data = page_data(text)
    assert data["values"]["apl"] == [1.0, None, 5.0]
    assert data["layers"]["apl"]["cls"][1] == -1 and data["layers"]["apl"]["nodata"] == 1
    assert "1 communes have no APL value (hatched): 38002" in text
    with pytest.raises(ValidationError, match="expected a finite number ≥ 0"):
        report.build_report(small_result(["38001"], [-1.0]))


# --- comparison -------------------------------------------------------------------------


def test_compare_with_what_if(sample, result):
    model = apl.AccessibilityModel(sample.demand, sample.travel_times)
    what_if = model.what_if(sample.supply, remove={"38185": 100_000})
    data = page_data(report.build_report(result, compare=what_if))
    delta = pd.Series(data["values"]["delta"], index=data["code"])
    # communes of the what-if change by its `change`; the others are unchanged (0)
    np.testing.assert_allclose(delta[what_if.index], what_if["change"].round(4), atol=1e-12)
    assert (delta.drop(what_if.index) == 0).all()
    after = result["apl"].copy()
    after[what_if.index] = what_if["apl_after"]
    before_zone = zoning.classify(result)["zone"]
    after_zone = zoning.classify(after.to_frame("apl"))["zone"]
    changed = set(result.index[(before_zone != after_zone).to_numpy()])
    assert changed, "this what-if is meant to move some communes across a threshold"
    text = report.build_report(result, compare=what_if)
    table = text.split("id='zone-changes'")[1].split("</table>")[0]
    assert set(re.findall(r"<th scope='row'>(\d{5})</th>", table)) == changed
    # a what-if computed on another baseline is refused
    shifted = what_if.assign(apl_before=what_if["apl_before"] + 0.5)
    with pytest.raises(ValidationError, match="another baseline"):
        report.build_report(result, compare=shifted)


def test_compare_with_other_result(sample, result):
    # APL is linear in supply: 10 % more acts everywhere gives 10 % more APL
    more = sample.supply.assign(acts=sample.supply["acts"] * 1.1)
    other = apl.compute_apl(sample.demand, more, sample.travel_times)
    data = page_data(report.build_report(result, compare=other, compare_label="+10 %"))
    np.testing.assert_allclose(data["values"]["delta"], (0.1 * result["apl"]).round(4), atol=1.5e-4)
    assert data["layers"]["apl_cmp"]["title"] == "APL (+10 %)"
    with pytest.raises(MissingColumnError):
        report.build_report(result, compare=other.rename(columns={"apl": "x"}))


def test_compare_with_a_partial_result_warns_and_compares_common_communes(result):
    # issue #16: a comparison covering 10 of the communes must not be read side by side
    # against all of them. Here the comparison is the result itself on 10 communes, so on
    # the common communes both columns of the side-by-side table must be identical.
    import html as html_lib

    ten = result.iloc[:10].copy()
    ten.attrs = {}
    with pytest.warns(DataWarning, match=rf"{len(result) - 10} of the {len(result)} communes"):
        text = report.build_report(result, compare=ten, compare_label="partial")
    note = re.search(r"<p id='compare-missing'>(.*?)</p>", text)
    assert note is not None
    note_text = html_lib.unescape(note.group(1))
    assert f"{len(result) - 10} of the {len(result)} communes" in note_text
    assert "computed on the 10 communes present in both" in note_text
    assert str(result.index[10]) in note_text  # names (the first of) the missing ones
    section = text[text.index("<section id='comparison'>") :]
    section = section[: section.index("</section>")]
    rows = re.findall(r"<tr><th scope='row'>(.*?)</th>(.*?)</tr>", section)
    side = {html_lib.unescape(h): re.findall(r"<td[^>]*>(.*?)</td>", cells) for h, cells in rows}
    assert side, "no side-by-side table found"
    # weighted mean of the 10 common communes, identical in both columns
    mean = (ten["apl"] * ten["population"]).sum() / ten["population"].sum()
    mean_row = side["mean APL"]
    assert mean_row[0] == mean_row[1] == f"{mean:.2f}"
    for values in side.values():
        if len(values) == 2:
            assert values[0] == values[1]
    # a complete comparison raises no such warning and adds no note
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        full = report.build_report(result, compare=result.assign(apl=result["apl"]))
    assert "compare-missing" not in full
    # nothing in common is an error, not an empty comparison
    disjoint = pd.DataFrame({"commune": ["99001"], "apl": [1.0]})
    with pytest.raises(ValidationError, match="none of the"):
        report.build_report(result, compare=disjoint)


# --- uncertainty and nearest GP ----------------------------------------------------------


def test_uncertainty_and_nearest(result, sample):
    p = pd.DataFrame(
        {"p_below_2_5": 1.0 / (1.0 + np.exp((result["apl"] - 2.5) / 0.2))}, index=result.index
    )
    near = apl.measures.cost_to_closest(sample.supply, sample.travel_times)
    near.loc[result.index[0], "minutes"] = np.inf  # no GP reachable: shown as no data
    text = report.build_report(result, uncertainty=p, nearest_gp=near)
    data = page_data(text)
    np.testing.assert_allclose(data["values"]["p"], p["p_below_2_5"].round(4))
    unsure = int(((p["p_below_2_5"] > 0.05) & (p["p_below_2_5"] < 0.95)).sum())
    assert f"{unsure} communes have a probability of being below 2.5 between 5 % and 95 %" in text
    assert "p" in data["tooltip"] and "nearest" in data["tooltip"]
    minutes = near["minutes"].reindex(result.index)
    assert data["values"]["nearest"][0] is None and data["layers"]["nearest"]["cls"][0] == -1
    np.testing.assert_allclose(data["values"]["nearest"][1:], minutes.iloc[1:].round(1))
    with pytest.raises(ValidationError, match=r"expected a value in \[0, 1\]"):
        report.build_report(result, uncertainty=p * 2)
    with pytest.raises(MissingColumnError):
        report.build_report(result, uncertainty=p.rename(columns={"p_below_2_5": "q"}))


# --- palettes ---------------------------------------------------------------------------

# Machado, Oliveira & Fernandes (2009) simulation matrices, severity 1, on linear RGB.
_DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                          [-0.011820, 0.042940, 0.968881]])  # fmt: skip
_PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                        [-0.003882, -0.048116, 1.051998]])  # fmt: skip


def _lab(hex_color: str, matrix: np.ndarray | None = None) -> np.ndarray:
    srgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip((np.eye(3) if matrix is None else matrix) @ linear, 0.0, 1.0)
    xyz = (
        np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
        @ linear
    )
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize(
    "matrix", [np.eye(3), _DEUTERANOPIA, _PROTANOPIA], ids=["normal", "deuteranopia", "protanopia"]
)
def test_zone_colours_distinct_for_colour_blind(matrix):
    # CIE76 ΔE ≥ 12 between every pair of zone colours (≈ 5 just-noticeable differences)
    labs = {zone: _lab(color, matrix) for zone, color in report.ZONE_COLORS.items()}
    for a, b in itertools.combinations(labs, 2):
        assert np.linalg.norm(labs[a] - labs[b]) >= 12, (a, b)


def test_sequential_palette_monotone_in_lightness():
    for n in (3, 7, 11):
        lightness = [_lab(c)[0] for c in report.sequential_colors(n)]
        assert np.all(np.diff(lightness) > 5)
        deut = [_lab(c, _DEUTERANOPIA)[0] for c in report.sequential_colors(n)]
        assert np.all(np.diff(deut) > 3)
    lightness = [_lab(c)[0] for c in report.CHANGE_COLORS]
    # diverging: lightest in the middle (no change), darker towards both ends
    assert int(np.argmax(lightness)) == 4
    assert np.all(np.diff(lightness[:5]) > 0) and np.all(np.diff(lightness[4:]) < 0)


# --- files and CLI ----------------------------------------------------------------------


def test_read_result_roundtrip(tmp_path, result):
    path = tmp_path / "r.csv"
    table = result.copy()
    table.attrs = {}
    table.to_csv(path, float_format="%.6f")
    back = report.read_result(path)
    assert list(back.index) == list(result.index)
    np.testing.assert_allclose(back["apl"], result["apl"], atol=5e-7)
    (tmp_path / "dup.csv").write_text("commune,apl\n38001,1\n38001,2\n")
    with pytest.raises(ValidationError, match="several rows"):
        report.read_result(tmp_path / "dup.csv")


def test_cli_report_french_compare_uncertainty(tmp_path, result):
    from apl.cli import main

    other = result.copy()
    other.attrs = {}
    other["apl"] = other["apl"] * 0.9
    other.to_csv(tmp_path / "other.csv", float_format="%.6f")
    p = pd.DataFrame(
        {"commune": result.index, "p_below_2_5": (result["apl"] < 2.5).astype(float).to_numpy()}
    )
    p.to_csv(tmp_path / "p.csv", index=False)
    out = tmp_path / "r.html"
    assert main(["report", "--out", str(out), "--lang", "fr", "--compare", str(tmp_path / "other.csv"),
                 "--uncertainty", str(tmp_path / "p.csv"), "-q"]) == 0  # fmt: skip
    text = out.read_text(encoding="utf-8")
    assert "<html lang='fr'>" in text and "Comparaison avec comparaison" in text
    assert "Communes dont la classe n&#x27;est pas sûre" in text and "ESTIMATED" in text
    data = page_data(text)
    assert {"apl_cmp", "delta", "p", "nearest"} <= set(data["values"])
    np.testing.assert_allclose(data["values"]["delta"], (-0.1 * result["apl"]).round(4), atol=2e-4)
    assert "OpenStreetMap" in text and "Année : 2023" in text


def test_bench_report_smoke(tmp_path):
    # the benchmark script runs at a small size and writes its JSON (no timing asserted)
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_report.py"
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(script), "--communes", "300", "--repeat", "1", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    rows = json.loads(out.read_text())["results"]
    assert [r["problem"].split(" (")[0] for r in rows] == [
        "France table only",
        "France synthetic squares",
        "Isère sample, map + what-if",
    ]
    assert all(r["write_s"] > 0 and r["size_mb"] > 0 for r in rows)


def test_uncertainty_from_zone_probabilities(sample, result):
    # with apl.uncertainty's own table, "not sure" is its definition: p_zone < 95 %
    chances = apl.uncertainty.zone_probabilities(
        sample.demand, sample.supply, sample.travel_times, n_draws=40, seed=1
    )
    text = report.build_report(result, uncertainty=chances)
    unsure = int((chances["p_zone"] < 0.95).sum())
    assert 0 < unsure < len(result)
    assert (
        f"{unsure} communes keep the class of their point estimate in less than 95 % of the draws"
        in text
    )
    section = text.split("id='uncertain'")[1].split("</section>")[0]
    assert section.count("<tr><th scope='row'>") == min(unsure, 100)
    data = page_data(text)
    np.testing.assert_allclose(
        data["values"]["p"], chances["p_below_2_5"].reindex(result.index).round(4)
    )

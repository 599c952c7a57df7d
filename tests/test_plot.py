import pandas as pd
import pytest

import apl
from apl import plot


@pytest.fixture(scope="module")
def sample():
    s = apl.datasets.load_isere()
    return s, apl.compute_apl(s.demand, s.supply, s.travel_times), s.geometries()


def _legend(fig):
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_apl_map_renders_with_ars_classes(sample, tmp_path):
    _, result, geoms = sample
    fig = plot.apl_map(result, geoms, title="t", source="DREES", year=2023)
    counts = apl.zoning.class_index(result["apl"])
    n = [int((counts == k).sum()) for k in range(3)]
    assert _legend(fig) == [
        f"[0, 2.5[  ({n[0]} communes)",
        f"[2.5, 4[  ({n[1]} communes)",
        f"[4, +∞[  ({n[2]} communes)",
    ]
    legend = fig.axes[0].get_legend()
    assert "consultations / year / standardised inhabitant" in legend.get_title().get_text()
    caption = " ".join(t.get_text() for t in fig.texts)
    assert "Source: DREES" in caption and "2023" in caption
    # The legend is fixed by the breaks whatever the data: check each polygon's fill too.
    # Class of each commune worked out here: APL < 2.5 → class 0, 2.5 ≤ APL < 4 → 1, ≥ 4 → 2,
    # drawn in APL_CLASS_COLORS[class]; polygons are drawn in the order of `geoms`.
    import numpy as np
    from matplotlib.colors import to_rgba

    a = result["apl"].reindex(geoms["commune"].to_numpy()).to_numpy()
    klass = (a >= 2.5).astype(int) + (a >= 4.0).astype(int)
    assert sorted(set(klass)) == [0, 1, 2]
    (polygons,) = fig.axes[0].collections
    expected = [to_rgba(plot.APL_CLASS_COLORS[k]) for k in klass]
    np.testing.assert_allclose(polygons.get_facecolor(), expected, atol=1e-6)
    path = plot.save_apl_map(result, geoms, tmp_path / "m.png")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_apl_map_marks_missing(sample):
    _, result, geoms = sample
    fig = plot.apl_map(result.iloc[:100], geoms)
    assert _legend(fig)[-1] == f"no data ({len(geoms) - 100} communes)"


def test_apl_map_counts_nan_as_no_data(sample):
    _, result, geoms = sample
    values = result["apl"].copy()
    values.iloc[:3] = float("nan")
    fig = plot.apl_map(values, geoms)
    assert _legend(fig)[-1] == "no data (3 communes)"


def test_geometry_join_none_fails_some_warns(sample):
    _, result, geoms = sample
    with pytest.raises(apl.errors.ValidationError, match="none of the 512 communes joins"):
        plot.check_geometry_join(result.index.str.lstrip("0") + "X", geoms)
    renamed = result.rename(index={result.index[0]: "99999", result.index[1]: "99998"})
    with pytest.warns(
        apl.errors.DataWarning, match=r"2 of 512 communes have no polygon.*'99998', '99999'"
    ):
        join = plot.check_geometry_join(renamed.index, geoms)
    assert join.joined == 510 and join.missing == ["99998", "99999"]
    with pytest.raises(apl.errors.ValidationError, match="joins a polygon"):
        plot.apl_map(result, geoms.assign(commune=geoms["commune"].str[1:]))


def test_colour_blind_safe_palette_is_the_documented_one():
    # ColorBrewer OrRd (3 classes), darkest = worst access
    assert plot.APL_CLASS_COLORS == ("#e34a33", "#fdbb84", "#fee8c8")


def test_apl_classes_edges():
    classes, labels = plot.apl_classes(pd.Series([0.0, 2.4999, 2.5, 3.99, 4.0, 12.0]))
    assert classes.tolist() == [labels[0], labels[0], labels[1], labels[1], labels[2], labels[2]]
    assert labels == ["[0, 2.5[", "[2.5, 4[", "[4, +∞["]


def test_zoning_map(sample, tmp_path):
    _, result, geoms = sample
    zones = pd.Series(["ZIP" if a < 2.5 else "HZ" for a in result["apl"]], index=result.index)
    fig = plot.zoning_map(zones, geoms)
    n_zip = int((result["apl"] < 2.5).sum())
    assert _legend(fig) == [f"ZIP  ({n_zip} communes)", f"HZ  ({512 - n_zip} communes)"]
    with pytest.raises(apl.errors.ValidationError, match="unknown zone labels"):
        plot.zoning_map(zones.replace("HZ", "XX"), geoms)


def test_cli_sample_map(tmp_path, capsys):
    from apl.cli import main

    out = tmp_path / "isere.png"
    assert main(["sample", "-q", "--map", str(out)]) == 0
    assert out.stat().st_size > 20_000
    # Not only a file: the PNG shows the three APL classes and no "no data" grey (every
    # commune of the sample has an APL). Shares of the 658 × 609 px image measured once:
    # red 12.9 %, orange 10.5 %, green 5.6 %; a legend swatch alone is < 0.1 %.
    import numpy as np
    from matplotlib import image
    from matplotlib.colors import to_rgba

    pixels = np.round(image.imread(out)[..., :3] * 255).astype(int).reshape(-1, 3)

    def share(color):
        rgb = np.round(np.array(to_rgba(color)[:3]) * 255).astype(int)
        return float((pixels == rgb).all(axis=1).mean())

    for color in plot.APL_CLASS_COLORS:
        assert share(color) > 0.01, color
    assert share("#bdbdbd") < 0.001  # the "no data" fill

"""The bundled Isère sample (shipped inside the package, ``apl/data/sample/``): real travel
times, real DREES population and APL, and an *estimated* GP supply. See
``apl/data/sample/SOURCES.md`` (also ``data/sample/SOURCES.md`` in the checkout) for sources
and licences.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pandas as pd

from .errors import DataFormatError
from .io import read_travel_times

__all__ = ["IsereSample", "SyntheticProblem", "load_isere", "sample_dir", "synthetic_france"]


def sample_dir() -> Path:
    """Folder of the sample files.

    ``$APL_SAMPLE_DIR`` if set, else the ``data/sample`` folder shipped inside the installed
    package (found with :mod:`importlib.resources`, so it works from a wheel, outside the
    source checkout).
    """
    env = os.environ.get("APL_SAMPLE_DIR")
    # A wheel installs plain files, so the resource is a real directory on disk.
    folder = Path(env) if env else Path(str(resources.files("apl").joinpath("data", "sample")))
    if not (folder / "isere_communes.csv").is_file():
        where = "$APL_SAMPLE_DIR" if env else "the installed package"
        msg = (
            f"sample data not found in {folder} ({where}); reinstall apl "
            "(pip install apl-drees, or pip install . from the checkout) or set APL_SAMPLE_DIR "
            "to a folder holding the sample files."
        )
        raise DataFormatError(msg, path=str(folder))
    return folder


@dataclass(frozen=True)
class IsereSample:
    """The Isère sample tables (512 communes).

    Attributes
    ----------
    communes : pandas.DataFrame
        ``commune``, ``libelle``, ``lon``, ``lat`` (chef-lieu, WGS84 degrees), ``population_ign``.
    travel_times : pandas.DataFrame
        ``origin``, ``destination``, ``minutes`` — OSRM car times, 512 × 512 pairs.
    demand : pandas.DataFrame
        ``commune``, ``population`` — DREES 2023 standardised population (2021 census).
    supply : pandas.DataFrame
        ``commune``, ``acts`` — **estimated** retained acts per year (back-solved from the
        DREES APL by NNLS; not an observation of where GPs practise).
    drees_apl : pandas.DataFrame
        DREES APL 2022 and 2023 for these communes (``commune, year, libelle, apl, apl_65,
        standardised_population, population``).
    geometries_path : pathlib.Path
        GeoJSON of the commune polygons (IGN Admin Express 2021, simplified).
    """

    communes: pd.DataFrame
    travel_times: pd.DataFrame
    demand: pd.DataFrame
    supply: pd.DataFrame
    drees_apl: pd.DataFrame
    geometries_path: Path

    def geometries(self):  # -> geopandas.GeoDataFrame
        """Commune polygons as a GeoDataFrame with a ``commune`` column (EPSG:4326)."""
        import geopandas as gpd

        frame = gpd.read_file(self.geometries_path)
        code = next(
            c
            for c in ("INSEE_COM", "insee_com", "code_commune", "id", "CODGEO")
            if c in frame.columns
        )
        frame = frame.rename(columns={code: "commune"})
        frame["commune"] = frame["commune"].astype(str)
        return frame

    def border_communes(self, km: float = 15.0) -> pd.Series:
        """Whether each commune's chef-lieu lies within `km` of the département's edge.

        GPs just outside Isère are missing from the sample, so these communes are where
        apl and DREES are expected to differ most. Distances are measured in Lambert-93
        (EPSG:2154) metres to the boundary of the union of the commune polygons.

        Returns
        -------
        pandas.Series of bool, indexed by commune.
        """
        import geopandas as gpd

        outline = self.geometries().to_crs(2154).geometry.union_all().boundary
        points = gpd.GeoSeries(
            gpd.points_from_xy(self.communes["lon"], self.communes["lat"]), crs=4326
        ).to_crs(2154)
        near = points.distance(outline).to_numpy() <= km * 1000.0
        return pd.Series(
            near, index=pd.Index(self.communes["commune"], name="commune"), name="border"
        )


def load_isere(path: str | Path | None = None) -> IsereSample:
    """Load the Isère sample.

    Parameters
    ----------
    path : str or Path, optional
        Folder holding the sample files; default :func:`sample_dir`.
    """
    folder = Path(path) if path is not None else sample_dir()
    communes = pd.read_csv(folder / "isere_communes.csv", dtype={"code_commune": str})
    communes = communes.rename(columns={"code_commune": "commune"})
    drees = pd.read_csv(folder / "isere_drees_apl.csv", dtype={"code_commune": str})
    drees = drees.rename(columns={"code_commune": "commune"})
    d2023 = drees[drees["year"] == 2023]
    demand = pd.DataFrame(
        {
            "commune": d2023["commune"].to_numpy(),
            "population": d2023["standardised_population"].to_numpy(),
        }
    )
    demand.attrs["standardised"] = True
    supply = pd.read_csv(folder / "isere_gp_supply_estimated.csv", dtype={"code_commune": str})
    supply = pd.DataFrame(
        {
            "commune": supply["code_commune"].to_numpy(),
            "acts": supply["annual_acts"].to_numpy(dtype=float),
        }
    )
    supply.attrs["estimated"] = True
    return IsereSample(
        communes=communes,
        travel_times=read_travel_times(folder / "isere_travel_times_osrm.csv.gz"),
        demand=demand,
        supply=supply,
        drees_apl=drees.reset_index(drop=True),
        geometries_path=folder / "isere_communes.geojson",
    )


@dataclass(frozen=True)
class SyntheticProblem:
    """A seeded synthetic national-size problem (see :func:`synthetic_france`)."""

    demand: pd.DataFrame
    supply: pd.DataFrame
    travel_times: pd.DataFrame


def synthetic_france(
    n_communes: int = 35_000,
    n_supply: int = 10_000,
    *,
    radius_km: float = 45.0,
    area_km2: float = 550_000.0,
    seed: int = 0,
) -> SyntheticProblem:
    """A synthetic France: communes scattered on a square, travel times within `radius_km`.

    Communes get log-normal populations (median ≈ 450 inhabitants, as French communes);
    `n_supply` of them, drawn with probability rising with population, hold GPs with
    log-normal activity (median ≈ 8,000 acts/year, so the mean APL is ≈ 3.7 as in France). Travel times are straight-line km ×
    1.3 (road detour) at 60 km/h plus noise, in minutes, for every (commune, supply
    commune) pair within `radius_km` (≈ 3.8 million pairs at the default size), found with
    a k-d tree. Codes are 5-character strings as in the COG.

    Parameters
    ----------
    n_communes, n_supply : int
    radius_km : float, default 45
        Pairs farther apart (straight line) are absent (unreachable).
    area_km2 : float, default 550,000 (metropolitan France)
    seed : int, default 0
    """
    import numpy as np
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    side = float(np.sqrt(area_km2))
    xy = rng.uniform(0.0, side, size=(n_communes, 2))
    population = np.round(rng.lognormal(mean=np.log(450.0), sigma=1.3, size=n_communes), 1)
    codes = np.array([f"{k:05d}" for k in range(1, n_communes + 1)], dtype=object)
    p = population / population.sum()
    supply_idx = np.sort(rng.choice(n_communes, size=n_supply, replace=False, p=p))
    acts = np.round(rng.lognormal(mean=np.log(8_000.0), sigma=1.0, size=n_supply))
    tree_all, tree_sup = cKDTree(xy), cKDTree(xy[supply_idx])
    dist = tree_all.sparse_distance_matrix(tree_sup, radius_km, output_type="coo_matrix")
    origin, col = dist.row, dist.col
    km = dist.data
    minutes = km * 1.3 + rng.uniform(0.0, 3.0, size=km.shape[0])  # 60 km/h: 1 km ≈ 1 min
    diagonal = supply_idx[col] == origin
    minutes[diagonal] = 0.0
    # sparse_distance_matrix drops zero distances: add the diagonal of every supply commune
    missing = np.setdiff1d(supply_idx, origin[diagonal])
    origin = np.concatenate([origin, missing])
    dest = np.concatenate([supply_idx[col], missing])
    minutes = np.concatenate([minutes, np.zeros(missing.shape[0])])
    return SyntheticProblem(
        demand=pd.DataFrame({"commune": codes, "population": population}),
        supply=pd.DataFrame({"commune": codes[supply_idx], "acts": acts}),
        travel_times=pd.DataFrame(
            {"origin": codes[origin], "destination": codes[dest], "minutes": np.round(minutes, 3)}
        ),
    )

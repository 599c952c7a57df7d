"""Where each French commune is: town hall (mairie) or centroid, shipped with apl.

The table is ``apl/data/communes_france.csv.gz`` (communes and municipal arrondissements
of Paris, Lyon, Marseille; source and licence in ``apl/data/communes_france.SOURCES.md``).
DREES's distancier measures town hall to town hall, hence the default.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import CommuneCodeError, DataWarning, ValidationError

__all__ = ["CentroidFallbackWarning", "commune_points", "example_extract"]


class CentroidFallbackWarning(UserWarning):
    """Some communes have no town-hall location; their centroid is used instead."""


def example_extract() -> Path:
    """Path of the OpenStreetMap extract shipped with apl (Monaco and five French communes).

    ``monaco.osm.pbf``: 2,927 highway ways around Monaco; the town halls of Beausoleil
    (06012), Cap-d'Ail (06032), Èze (06059), La Turbie (06150) and Roquebrune-Cap-Martin
    (06104) lie inside it. © OpenStreetMap contributors, ODbL 1.0 (``apl/data/osm/SOURCES.md``).
    """
    return Path(str(resources.files("apl") / "data" / "osm" / "monaco.osm.pbf"))


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    path = resources.files("apl") / "data" / "communes_france.csv.gz"
    with resources.as_file(path) as file:
        return pd.read_csv(
            file,
            dtype={"code_commune": str, "departement": str, "libelle": str, "type_commune": str},
        )


def commune_points(
    codes: Iterable[str] | None = None,
    where: str = "town_hall",
    *,
    departements: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Lon/lat (WGS84 degrees) of French communes, ready for :func:`travel_times`.

    Parameters
    ----------
    codes : iterable of str, optional
        INSEE codes (5 characters, e.g. ``"06012"``); default all 34,875 communes and 45
        municipal arrondissements.
    where : {"town_hall", "centroid"}
        Town hall (as DREES's distancier) or centroid of the commune polygon. The 56
        communes without a known town hall but with a centroid fall back to their centroid,
        with a warning and ``attrs["centroid_fallback"]`` listing them.
    departements : iterable of str, optional
        Keep only these départements (``"38"``, ``"2A"``, ``"971"``).

    Returns
    -------
    pandas.DataFrame
        ``commune``, ``name``, ``departement``, ``lon``, ``lat``, in the order of `codes`
        (or by code). ``attrs``: ``where``, ``centroid_fallback`` (codes located at their
        centroid), ``no_location`` (codes left out, see below).

    Warns
    -----
    DataWarning
        Without `codes` (every commune, or every commune of `departements`): communes with
        neither a town hall nor a centroid in the shipped table (5 in the 2024 COG, e.g.
        14581 Aurseulles) are left out, named in the warning and listed in
        ``attrs["no_location"]``.

    Raises
    ------
    CommuneCodeError
        A code or département is unknown (all unknown ones are listed), or a commune named
        in `codes` has no location at all (give its lon/lat in your own points table).
    """
    if where not in ("town_hall", "centroid"):
        raise ValidationError(f"where must be 'town_hall' or 'centroid', got {where!r}.")
    table = _table()
    if departements is not None:
        wanted = [str(d).strip().upper() for d in departements]
        unknown = sorted(set(wanted) - set(table["departement"]))
        if unknown:
            raise CommuneCodeError(f"unknown département(s) {unknown}; expected INSEE codes such as '38', '2A', '971'.",
                                   table="communes", column="departement")  # fmt: skip
        table = table[table["departement"].isin(wanted)]
    if codes is not None:
        wanted_codes = [str(c).strip() for c in codes]
        indexed = table.set_index("code_commune")
        unknown = [c for c in wanted_codes if c not in indexed.index]
        if unknown:
            raise CommuneCodeError(f"{len(unknown)} commune code(s) not in the shipped COG table: {unknown[:20]}"
                                   f"{' …' if len(unknown) > 20 else ''}. Codes are 5-character INSEE codes "
                                   "(leading zero kept); merged communes take their new code.",
                                   table="communes", column="commune", row=unknown[0])  # fmt: skip
        table = indexed.loc[wanted_codes].reset_index()
    suffix = "mairie" if where == "town_hall" else "centroid"
    lon = table[f"lon_{suffix}"].to_numpy(np.float64)
    lat = table[f"lat_{suffix}"].to_numpy(np.float64)
    missing = np.isnan(lon) | np.isnan(lat)
    fallback: list[str] = []
    if missing.any() and where == "town_hall":
        lon = np.where(missing, table["lon_centroid"].to_numpy(np.float64), lon)
        lat = np.where(missing, table["lat_centroid"].to_numpy(np.float64), lat)
        # only those the centroid actually locates (the others are handled below)
        fallback = (
            table["code_commune"].to_numpy()[missing & ~(np.isnan(lon) | np.isnan(lat))].tolist()
        )
    if fallback:
        warnings.warn(f"{len(fallback)} commune(s) have no town-hall location; their centroid is used: "
                      f"{fallback[:10]}{' …' if len(fallback) > 10 else ''}.", CentroidFallbackWarning, stacklevel=2)  # fmt: skip
    still = np.isnan(lon) | np.isnan(lat)
    kind = "town hall nor centroid" if where == "town_hall" else "centroid"
    no_location: list[str] = []
    if still.any():
        bad = table["code_commune"].to_numpy()[still].tolist()
        names = table["libelle"].to_numpy()[still].tolist()
        listed = ", ".join(f"{c} {n}" for c, n in zip(bad[:20], names[:20], strict=True))
        if codes is not None:
            # the caller named these communes: routing them from nowhere is not an option,
            # and dropping them silently would lose rows the caller asked for
            raise CommuneCodeError(f"no location ({kind}) in the shipped COG table for "
                                   f"{len(bad)} requested commune(s): {listed}"
                                   f"{' …' if len(bad) > 20 else ''}. Give their lon/lat in a points "
                                   "table (apl routes --points) or leave them out of `codes`.",
                                   table="communes", column="commune", row=bad[0])  # fmt: skip
        # "every commune": route all those that have a location, name the others (never silently)
        no_location = bad
        warnings.warn(f"{len(bad)} commune(s) have no location ({kind}) in the shipped COG "
                      f"table and are left out: {listed}{' …' if len(bad) > 20 else ''} "
                      "(listed in attrs['no_location']).", DataWarning, stacklevel=2)  # fmt: skip
        keep = ~still
        table, lon, lat = table[keep], lon[keep], lat[keep]
    out = pd.DataFrame({"commune": table["code_commune"].to_numpy(dtype=object),
                        "name": table["libelle"].to_numpy(dtype=object),
                        "departement": table["departement"].to_numpy(dtype=object), "lon": lon, "lat": lat})  # fmt: skip
    out.attrs.update({"where": where, "centroid_fallback": fallback, "no_location": no_location})
    return out

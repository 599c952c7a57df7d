"""apl.io — files in, tidy DataFrames out. Loaders never compute APL.

Each loader raises :class:`apl.errors.DataFormatError` naming the file, line and column of
malformed input; nothing is dropped silently (what a format defines as absent — Metric's
9999, empty matrix cells — is counted in the result's ``attrs``). See docs/data-formats.md.
"""

from .activity import ACTIVITY_COLUMNS, read_gp_activity
from .communes import PLM_CITIES, check_arrondissements, harmonize_communes, normalize_commune_codes
from .drees import read_drees_apl
from .population import read_population
from .travel_times import read_metric, read_travel_time_matrix, read_travel_times
from .zoning import ZONE_LABELS, normalize_zone, read_commune_tvs, read_zoning

__all__ = [
    "ACTIVITY_COLUMNS",
    "PLM_CITIES",
    "ZONE_LABELS",
    "check_arrondissements",
    "harmonize_communes",
    "normalize_commune_codes",
    "normalize_zone",
    "read_commune_tvs",
    "read_drees_apl",
    "read_gp_activity",
    "read_metric",
    "read_population",
    "read_travel_time_matrix",
    "read_travel_times",
    "read_zoning",
]

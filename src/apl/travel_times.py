"""Deprecated alias of :mod:`apl.pairs` (the weighted pair structure).

Kept so that scripts written against apl 0.1 (``from apl.travel_times import
build_pair_structure``) keep working; travel-time *files* are read by
:mod:`apl.io.travel_times`, road travel times are computed by :mod:`apl.routing`.
"""

from .pairs import IndexedPairs, PairStructure, build_pair_structure, index_pairs, weight_pairs

__all__ = ["IndexedPairs", "PairStructure", "build_pair_structure", "index_pairs", "weight_pairs"]

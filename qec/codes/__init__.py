"""Code families as explicit objects: qubits, coordinates, stabilizers, k logical qubits.

Codes are named by family and parameters (:func:`code_from_spec`); any CSS code can be given
by its check matrices (:class:`CSSCode`).

Examples:
    >>> from qec.codes import code_from_spec
    >>> code_from_spec("surface:distance=5").parameters
    (25, 1, 5)
    >>> code_from_spec("toric:distance=3").parameters
    (18, 2, 3)
"""

from __future__ import annotations

from qec.codes._bivariate_bicycle import (
    PUBLISHED_BB_CODES,
    BivariateBicycleCode,
    parse_bb_polynomial,
)
from qec.codes._color_code import COLORS, ColorCode, SuperdensePlaquette
from qec.codes._css_code import CSSCode, edge_coloring_schedule
from qec.codes._distance import WeightBound, min_weight_odd_solution
from qec.codes._families import (
    CodeFamily,
    canonical_code_name,
    code_families,
    code_from_name,
    code_from_spec,
    code_names,
    parse_code_spec,
    register_code_family,
    spec_metadata,
)
from qec.codes._repetition_code import RepetitionCode
from qec.codes._rotated_surface_code import RotatedSurfaceCode
from qec.codes._stabilizer_code import Stabilizer, StabilizerCode
from qec.codes._unrotated_surface_code import UnrotatedSurfaceCode

CODE_NAMES: tuple[str, ...] = code_names()
"""The canonical names of the families registered by qec itself."""

__all__ = [
    "CODE_NAMES",
    "COLORS",
    "PUBLISHED_BB_CODES",
    "BivariateBicycleCode",
    "CSSCode",
    "CodeFamily",
    "ColorCode",
    "RepetitionCode",
    "RotatedSurfaceCode",
    "Stabilizer",
    "StabilizerCode",
    "SuperdensePlaquette",
    "UnrotatedSurfaceCode",
    "WeightBound",
    "canonical_code_name",
    "code_families",
    "code_from_name",
    "code_from_spec",
    "code_names",
    "edge_coloring_schedule",
    "min_weight_odd_solution",
    "parse_bb_polynomial",
    "parse_code_spec",
    "register_code_family",
    "spec_metadata",
]

"""Helpers on detector error models shared by the decoder adapters."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable
from types import ModuleType

import stim

INSTALL_HINT = "pip install 'qec-lab[decoders]'"


def detector_error_model_for_circuit(circuit: stim.Circuit) -> stim.DetectorErrorModel:
    """Returns the detector error model sinter would decode ``circuit`` with.

    Same recipe as sinter's workers, so that ``qec.decoders.decode`` and ``sinter.collect`` see
    the same model: decomposed into graphlike pieces when stim can, approximating disjoint
    errors; without decomposition when stim cannot decompose.

    Args:
        circuit: a stim circuit with detectors and observables.

    Returns:
        The detector error model.

    Examples:
        >>> circuit = stim.Circuit.generated(
        ...     "repetition_code:memory", distance=3, rounds=2,
        ...     before_round_data_depolarization=0.1)
        >>> detector_error_model_for_circuit(circuit).num_detectors
        6
    """
    try:
        return circuit.detector_error_model(decompose_errors=True, approximate_disjoint_errors=True)
    except ValueError:
        try:
            return circuit.detector_error_model(approximate_disjoint_errors=True)
        except ValueError:
            return circuit.detector_error_model(
                approximate_disjoint_errors=True, flatten_loops=True
            )


def require_graphlike(dem: stim.DetectorErrorModel, *, decoder: str) -> None:
    """Raises ``ValueError`` unless every error of ``dem`` is a graph edge or decomposed into edges.

    An error is graphlike when each of its ``^``-separated components flips at most two
    detectors. Matching decoders silently drop or mis-handle anything else, so they check first.

    Args:
        dem: the detector error model to check.
        decoder: the decoder name, quoted in the error message.

    Raises:
        ValueError: an error mechanism has a component with three or more detectors.

    Examples:
        >>> require_graphlike(stim.DetectorErrorModel("error(0.1) D0 D1 ^ D2"), decoder="x")
        >>> require_graphlike(stim.DetectorErrorModel("error(0.1) D0 D1 D2"), decoder="pymatching")
        Traceback (most recent call last):
        ...
        ValueError: decoder 'pymatching' needs a graphlike detector error model, ...
    """
    if _is_color_annotated(dem):
        raise ValueError(
            f"decoder {decoder!r} matches pairs of detection events, which does not decode a "
            "colour code (this model's detectors carry colour-code annotations: a fourth "
            "coordinate 0-5); use 'chromobius', or a decoder for any model such as 'bposd' or "
            "'tesseract'")
    for instruction in dem.flattened():
        if instruction.type != "error":
            continue
        detectors_in_component = 0
        for target in instruction.targets_copy():
            if target.is_separator():
                detectors_in_component = 0
            elif target.is_relative_detector_id():
                detectors_in_component += 1
                if detectors_in_component > 2:
                    raise ValueError(
                        f"decoder {decoder!r} needs a graphlike detector error model, but the "
                        f"error mechanism '{instruction}' has a component with more than two "
                        "detectors; build the model with "
                        "circuit.detector_error_model(decompose_errors=True), or use a decoder "
                        "for hypergraphs such as 'bposd', 'tesseract' or 'exact' ('chromobius' "
                        "for a colour code)"
                    )


def _is_color_annotated(dem: stim.DetectorErrorModel) -> bool:
    """Whether every detector carries Chromobius's colour/basis coordinate, with three colours.

    Such a model is a colour code's (:class:`qec.codes.ColorCode` circuits): stim may still
    decompose its errors into edges, but matching them does not decode the code.
    """
    coordinates = dem.get_detector_coordinates()
    if not coordinates or len(coordinates) < dem.num_detectors:
        return False
    colors = set()
    for coords in coordinates.values():
        if len(coords) < 4 or coords[3] not in (-1, 0, 1, 2, 3, 4, 5):
            return False
        if coords[3] >= 0:
            colors.add(int(coords[3]) % 3)
    return len(colors) == 3


def import_optional(module_name: str, *, decoder: str) -> ModuleType:
    """Imports an optional decoder dependency, or raises ``ImportError`` saying how to install it.

    Args:
        module_name: the importable module name, like ``"stimbposd"``.
        decoder: the decoder name that needs it, quoted in the message.

    Returns:
        The imported module.

    Raises:
        ImportError: the module is not installed.

    Examples:
        >>> import_optional("numpy", decoder="exact").__name__
        'numpy'
        >>> import_optional("not_a_real_module_xyz", decoder="bposd")
        Traceback (most recent call last):
        ...
        ImportError: decoder 'bposd' needs the Python package 'not_a_real_module_xyz', ...
    """
    try:
        return importlib.import_module(module_name)
    except ImportError as exc:
        raise ImportError(
            f"decoder {decoder!r} needs the Python package {module_name!r}, which is not "
            f"installed. To fix this: {INSTALL_HINT}"
        ) from exc


def is_installed(module_name: str) -> bool:
    """Whether ``module_name`` can be imported, without importing it.

    Examples:
        >>> is_installed("numpy"), is_installed("not_a_real_module_xyz")
        (True, False)
    """
    return importlib.util.find_spec(module_name) is not None


def error_targets(instruction: stim.DemInstruction) -> tuple[frozenset[int], frozenset[int]]:
    """The detectors and the observables an error instruction flips, its ``^``-separated
    components XOR-ed together.

    Examples:
        >>> error = stim.DetectorErrorModel("error(0.1) D0 D1 ^ D1 D2 L0")[0]
        >>> error_targets(error)
        (frozenset({0, 2}), frozenset({0}))
    """
    detectors: set[int] = set()
    observables: set[int] = set()
    for target in instruction.targets_copy():
        if target.is_relative_detector_id():
            detectors ^= {target.val}
        elif target.is_logical_observable_id():
            observables ^= {target.val}
    return frozenset(detectors), frozenset(observables)


def odd_probability(probabilities: Iterable[float]) -> float:
    """The probability that an odd number of independent events happen, given each one's.

    Independent errors that flip the same detectors and observables act as one error with
    this probability: the flips of an even number of them cancel.

    Examples:
        >>> round(odd_probability([0.1, 0.2]), 10)  # 0.1 * 0.8 + 0.9 * 0.2
        0.26
        >>> odd_probability([])
        0.0
    """
    odd = 0.0
    for p in probabilities:
        odd = odd * (1 - p) + p * (1 - odd)
    return odd


def merge_parallel_errors(dem: stim.DetectorErrorModel) -> stim.DetectorErrorModel:
    """One error per detector set: errors that flip the same detectors (their components
    XOR-ed) but different observables become one, with the observables of the most likely.

    The check-matrix conversions of stimbposd, beliefmatching and relay-bp key an error by its
    detectors alone and keep the observables of whichever such error comes *last* in the
    model, however unlikely: decoding then reports the wrong observable whenever the likelier
    one fired. No decoder can tell these errors apart from their syndrome; the most likely
    observable is the maximum-likelihood choice, and the merged error fires with the
    probability that an odd number of them did. Errors with the same detectors and the same
    observables are left to the decoders, which combine them correctly. Models without such
    errors come back unchanged (the same object).

    Args:
        dem: the detector error model.

    Returns:
        The model with parallel errors merged (flattened when anything was merged).

    Examples:
        >>> dem = stim.DetectorErrorModel('''
        ...     error(0.03) D0 D1 L0
        ...     error(0.01) D0 D1
        ...     error(0.02) D1
        ... ''')
        >>> merged = merge_parallel_errors(dem)
        >>> [(" ".join(str(t) for t in e.targets_copy()), round(e.args_copy()[0], 4))
        ...  for e in merged]
        [('D0 D1 L0', 0.0394), ('D1', 0.02)]
    """
    groups: dict[frozenset[int], list[tuple[int, float, frozenset[int]]]] = {}
    flat = dem.flattened()
    for index, instruction in enumerate(flat):
        if instruction.type != "error":
            continue
        detectors, observables = error_targets(instruction)
        groups.setdefault(detectors, []).append((index, instruction.args_copy()[0], observables))
    clashing = {key for key, members in groups.items()
                if len({observables for _, _, observables in members}) > 1}
    if not clashing:
        return dem
    keep: dict[int, float] = {}
    for key in clashing:
        members = groups[key]
        index = max(members, key=lambda member: member[1])[0]
        keep[index] = odd_probability(p for _, p, _ in members)
    dropped = {index for key in clashing for index, _, _ in groups[key]} - set(keep)
    merged = stim.DetectorErrorModel()
    for index, instruction in enumerate(flat):
        if index in dropped:
            continue
        if index in keep:
            merged.append("error", keep[index], instruction.targets_copy())
        else:
            merged.append(instruction)
    return merged

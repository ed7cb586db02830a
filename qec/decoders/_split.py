"""Decoding the X-type and the Z-type checks of a CSS model as two problems, with any decoder.

Bravyi et al. decoded their bivariate bicycle memories this way: one BP+OSD for the X checks'
syndrome history and the X-type logicals (which Z errors flip), another for the Z checks' and
the Z-type logicals, each on its own marginal error model; a trial failed when either part
did. :func:`split_detector_error_model` makes the two models from one detector error model
whose detectors and observables carry their check type (the tags of
:func:`qec.circuits.check_tag`, which ``memory_circuit(..., boundary="authors")`` writes), and
:class:`SplitDecoder` decodes each with an inner decoder and joins the predictions. What the
split gives up is the correlation between the parts (a Y error is an X error and a Z error
that happen together); the registry spells the decoder ``NAME:split=xz``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import sinter
import stim

from qec.circuits import check_type_of_tag
from qec.decoders._dem import error_targets, odd_probability
from qec.decoders._files import compile_decoder

__all__ = ["DemPart", "SplitDecoder", "split_detector_error_model"]

SPLITS: tuple[str, ...] = ("xz",)
"""The values of a decoder spec's ``split`` parameter: ``xz``, the X-type and Z-type checks."""


@dataclasses.dataclass(frozen=True)
class DemPart:
    """One part of a split detector error model: the checks of one type and their logicals.

    Attributes:
        basis: ``"X"`` (the X-type checks and logicals, which see Z errors) or ``"Z"``.
        detectors: the part's detectors, as indices of the whole model, in order; detector
            ``j`` of :attr:`dem` is ``detectors[j]``.
        observables: the part's observables, likewise.
        dem: the part's own model: each error of the whole model restricted to the part's
            detectors and observables (decomposition components restricted alike), errors
            that become identical merged into one that fires when an odd number of them do,
            errors that flip none of the part's detectors dropped; detector coordinates kept.
    """

    basis: str
    detectors: tuple[int, ...]
    observables: tuple[int, ...]
    dem: stim.DetectorErrorModel


def _check_types(dem: stim.DetectorErrorModel
                 ) -> tuple[dict[int, str], dict[int, str], dict[int, list[float]]]:
    """The check type of each tagged detector and observable, and the detector coordinates."""
    types: dict[str, dict[int, str]] = {"detector": {}, "logical_observable": {}}
    coordinates: dict[int, list[float]] = {}
    for instruction in dem.flattened():
        if instruction.type not in types:
            continue
        basis = check_type_of_tag(instruction.tag)
        for target in instruction.targets_copy():
            if instruction.type == "detector":
                coordinates[target.val] = instruction.args_copy()
            if basis is None:
                continue
            seen = types[instruction.type].setdefault(target.val, basis)
            if seen != basis:
                kind = "D" if instruction.type == "detector" else "L"
                raise ValueError(f"{kind}{target.val} is tagged as both an X-type and a Z-type "
                                 "check; a split needs one type per detector and observable")
    return types["detector"], types["logical_observable"], coordinates


def _components(instruction: stim.DemInstruction) -> list[tuple[set[int], set[int]]]:
    """The ``^``-separated components of an error: (detectors, observables) each."""
    components: list[tuple[set[int], set[int]]] = [(set(), set())]
    for target in instruction.targets_copy():
        if target.is_separator():
            components.append((set(), set()))
        elif target.is_relative_detector_id():
            components[-1][0].symmetric_difference_update((target.val,))
        elif target.is_logical_observable_id():
            components[-1][1].symmetric_difference_update((target.val,))
    return components


def split_detector_error_model(dem: stim.DetectorErrorModel) -> tuple[DemPart, DemPart]:
    """Splits a model into its X-type part and its Z-type part (see :class:`DemPart`).

    Every detector and observable that an error flips must carry a check-type tag
    (``detector[basis=X]``, ``logical_observable[basis=Z]``: :func:`qec.circuits.check_tag`).
    Restricting every error to a part gives exactly the joint distribution of that part's
    detectors and observables (the marginal of the whole model), so decoding a part with
    maximum likelihood is the best any decoder can do from that part's syndrome alone.

    Args:
        dem: the detector error model, with tags.

    Returns:
        The X-type part and the Z-type part, in that order.

    Raises:
        ValueError: a detector or observable that some error flips has no check-type tag (the
            message says where tagged models come from), or one has both.

    Examples:
        >>> dem = stim.DetectorErrorModel('''
        ...     error(0.1) D0 L0
        ...     error(0.2) D0 D1 ^ D2 L1
        ...     error(0.3) D1 D2
        ...     detector[basis=Z] D0
        ...     detector[basis=X] D1
        ...     detector[basis=Z] D2
        ...     logical_observable[basis=Z] L0
        ...     logical_observable[basis=X] L1
        ... ''')
        >>> x_part, z_part = split_detector_error_model(dem)
        >>> x_part.detectors, x_part.observables, z_part.detectors, z_part.observables
        ((1,), (1,), (0, 2), (0,))
        >>> z_part.dem
        stim.DetectorErrorModel('''
            detector D0
            detector D1
            logical_observable L0
            error(0.1) D0 L0
            error(0.2) D0 ^ D1
            error(0.3) D1
        ''')
        >>> x_part.dem  # D1 is its D0; the second error's L1 joins its detector
        stim.DetectorErrorModel('''
            detector D0
            logical_observable L0
            error(0.2) D0 L0
            error(0.3) D0
        ''')
        >>> split_detector_error_model(stim.DetectorErrorModel("error(0.1) D0 L0"))
        Traceback (most recent call last):
            ...
        ValueError: detector D0 has no check-type tag (basis=X or basis=Z), ...
    """
    detector_types, observable_types, coordinates = _check_types(dem)
    flat = dem.flattened()
    errors = [instruction for instruction in flat if instruction.type == "error"]
    for instruction in errors:
        detectors, observables = error_targets(instruction)
        untagged = (sorted(detectors - detector_types.keys())
                    or sorted(observables - observable_types.keys()))
        if untagged:
            kind = ("detector D" if detectors - detector_types.keys() else "observable L")
            raise ValueError(
                f"{kind}{untagged[0]} has no check-type tag (basis=X or basis=Z), which a split "
                "decoder needs on every detector and observable; qec writes them in circuits "
                "whose both types carry observables (memory_circuit(..., boundary='authors')). "
                "A memory with noisy boundaries protects one basis: detectors='basis' is its "
                "split")
    return tuple(  # type: ignore[return-value]
        _part(basis, errors, detector_types, observable_types, coordinates, dem)
        for basis in ("X", "Z"))


def _part(basis: str, errors: list[stim.DemInstruction], detector_types: dict[int, str],
          observable_types: dict[int, str], coordinates: dict[int, list[float]],
          dem: stim.DetectorErrorModel) -> DemPart:
    detectors = tuple(d for d in range(dem.num_detectors) if detector_types.get(d) == basis)
    observables = tuple(o for o in range(dem.num_observables)
                        if observable_types.get(o) == basis)
    new_detector = {d: j for j, d in enumerate(detectors)}
    new_observable = {o: j for j, o in enumerate(observables)}
    own_detectors, own_observables = frozenset(detectors), frozenset(observables)
    # Restricted errors by what they flip: their probabilities, and the components of the
    # likeliest (any decomposition of the same flips is as good as another).
    merged: dict[tuple[frozenset[int], frozenset[int]],
                 tuple[list[float], float, list[tuple[set[int], set[int]]]]] = {}
    for instruction in errors:
        probability = instruction.args_copy()[0]
        whole_detectors, whole_observables = error_targets(instruction)
        key = (whole_detectors & own_detectors, whole_observables & own_observables)
        if not key[0] or probability == 0:
            continue  # silent on this part: no decoder could see it
        members, best, components = merged.setdefault(key, ([], -1.0, []))
        members.append(probability)
        if probability > best:
            restricted = [(c_d & own_detectors, c_o & own_observables)
                          for c_d, c_o in _components(instruction)]
            kept = [c for c in restricted if c[0]]
            for _, c_o in (c for c in restricted if not c[0]):
                kept[0] = (kept[0][0], kept[0][1] ^ c_o)  # a detector-less piece joins one
            merged[key] = (members, probability, kept)
    part = stim.DetectorErrorModel()
    for d in detectors:
        part.append("detector", coordinates.get(d, []),
                    [stim.target_relative_detector_id(new_detector[d])])
    for o in observables:
        part.append("logical_observable", [],
                    [stim.target_logical_observable_id(new_observable[o])])
    for members, _, components in merged.values():
        targets: list[stim.DemTarget] = []
        for c_d, c_o in components:
            if targets:
                targets.append(stim.target_separator())
            targets += [stim.target_relative_detector_id(new_detector[d]) for d in sorted(c_d)]
            targets += [stim.target_logical_observable_id(new_observable[o])
                        for o in sorted(c_o)]
        part.append("error", odd_probability(members), targets)
    return DemPart(basis=basis, detectors=detectors, observables=observables, dem=part)


@dataclasses.dataclass(frozen=True)
class SplitDecoder(sinter.Decoder):
    """Decodes the X-type and the Z-type part of a model apart, each with ``inner``.

    :func:`split_detector_error_model` makes the two parts; each part that has observables is
    compiled with the inner decoder, fed exactly its own detectors' bits of every shot, and
    its predictions are put back in the whole model's observable order (observables of no
    part, which no error flips, are predicted unflipped). For a model with no error that
    touches both parts (no Y-type correlation) this is the same decoding as the whole model's;
    otherwise it gives up the correlations between the parts, as Bravyi et al.'s decoding of
    the X and Z parts did. The registry's name is ``NAME:split=xz``, such as
    ``bposd-bb:split=xz``.

    Args:
        inner: the decoder of each part: a ``sinter.Decoder`` (qec's, or any with
            ``compile_decoder_for_dem`` or ``decode_via_files``).

    Raises:
        ValueError: ``inner`` is not a decoder; (when compiling) the model has no check-type
            tags (see :func:`split_detector_error_model`).

    Examples:
        >>> from qec.decoders import ExactDecoder
        >>> dem = stim.DetectorErrorModel('''
        ...     error(0.1) D0 L0
        ...     error(0.1) D1 L1
        ...     error(0.05) D0 D1 L0 L1
        ...     detector[basis=X] D0
        ...     detector[basis=Z] D1
        ...     logical_observable[basis=X] L0
        ...     logical_observable[basis=Z] L1
        ... ''')
        >>> compiled = SplitDecoder(ExactDecoder()).compile_decoder_for_dem(dem=dem)
        >>> compiled.decode_shots_bit_packed(bit_packed_detection_event_data=np.array(
        ...     [[0b00], [0b01], [0b10], [0b11]], dtype=np.uint8)).ravel().tolist()
        [0, 1, 2, 3]
        >>> SplitDecoder(3)
        Traceback (most recent call last):
            ...
        ValueError: inner=3 must be a sinter.Decoder (a decoder of detection events)
    """

    inner: Any

    def __post_init__(self) -> None:
        if isinstance(self.inner, (type, sinter.Sampler)) or not any(
                callable(getattr(self.inner, method, None))
                for method in ("compile_decoder_for_dem", "decode_via_files")):
            raise ValueError(f"inner={self.inner!r} must be a sinter.Decoder (a decoder of "
                             "detection events)")

    @property
    def name(self) -> str:
        """The inner decoder's name with ``:split=xz``."""
        return f"{getattr(self.inner, 'name', type(self.inner).__name__)}:split=xz"

    def check_dem(self, dem: stim.DetectorErrorModel) -> None:
        """Raises if the model does not split, or if the inner decoder cannot take a part."""
        check = getattr(self.inner, "check_dem", None)
        for part in split_detector_error_model(dem):
            if check is not None and part.observables:
                check(part.dem)

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """Splits ``dem`` and compiles the inner decoder for each part (see ``sinter.Decoder``)."""
        parts = [part for part in split_detector_error_model(dem) if part.observables]
        return _CompiledSplit(
            [(part, compile_decoder(self.inner, dem=part.dem)) for part in parts],
            num_detectors=dem.num_detectors, num_observables=dem.num_observables)


class _CompiledSplit(sinter.CompiledDecoder):
    def __init__(self, parts: list[tuple[DemPart, sinter.CompiledDecoder]], *,
                 num_detectors: int, num_observables: int) -> None:
        self._parts = [(np.array(part.detectors, dtype=np.intp),
                        np.array(part.observables, dtype=np.intp), compiled)
                       for part, compiled in parts]
        self._num_detectors = num_detectors
        self._num_observables = num_observables

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray
                                ) -> np.ndarray:
        shots = bit_packed_detection_event_data
        # Unpack with the count: the padding bits of the last byte are not detection events.
        events = np.unpackbits(shots, axis=1, count=self._num_detectors, bitorder="little")
        flips = np.zeros((shots.shape[0], self._num_observables), dtype=np.uint8)
        for detectors, observables, compiled in self._parts:
            own = np.packbits(events[:, detectors], axis=1, bitorder="little")
            predicted = compiled.decode_shots_bit_packed(
                bit_packed_detection_event_data=np.ascontiguousarray(own))
            flips[:, observables] = np.unpackbits(predicted, axis=1, count=len(observables),
                                                  bitorder="little")
        return np.packbits(flips, axis=1, bitorder="little")

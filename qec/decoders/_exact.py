"""A truly maximum-likelihood decoder for small detector error models, by exhaustive tables."""

from __future__ import annotations

import dataclasses

import numpy as np
import sinter
import stim

DEFAULT_MAX_TABLE_BITS = 25


def exact_joint_distribution(
    dem: stim.DetectorErrorModel, *, max_table_bits: int = DEFAULT_MAX_TABLE_BITS
) -> np.ndarray:
    """The exact joint probability of every (syndrome, observable flips) pair of a model.

    Every ``error(p)`` instruction is an independent mechanism that, with probability ``p``,
    flips the XOR of all the detectors and observables it lists (``^`` separators are only
    decomposition hints and change nothing). The distribution of the XOR of independent
    mechanisms is built one mechanism at a time, ``P'[x] = (1 - p) P[x] + p P[x ^ v]`` for the
    mechanism's flip mask ``v``: a sum over every combination of faults, with only additions of
    non-negative numbers, so it is exact up to float64 rounding (relative, not absolute: the
    probability of a rare syndrome is as accurate as that of a common one). Mechanisms with the
    same mask are merged first; the table grows one detector at a time in detector order, so
    most mechanisms are applied to a table smaller than the final one.

    Args:
        dem: the detector error model.
        max_table_bits: the largest ``num_detectors + num_observables`` accepted; the table has
            ``2**(num_detectors + num_observables)`` float64 entries (25 bits: 256 MiB, and
            as much again of scratch space while building).

    Returns:
        float64 array of shape ``(2**num_detectors, 2**num_observables)``; entry ``[s, o]`` is
        the probability that the detection events are ``s`` and the observable flips are ``o``,
        with detector ``k`` at bit ``k`` of ``s`` and observable ``j`` at bit ``j`` of ``o``.

    Raises:
        ValueError: the model is beyond ``max_table_bits``.

    Examples:
        >>> dem = stim.DetectorErrorModel("error(0.1) D0 L0\\nerror(0.2) D0 D1\\nerror(0.3) D1")
        >>> table = exact_joint_distribution(dem)
        >>> table.shape
        (4, 2)
        >>> round(float(table.sum()), 12)
        1.0
        >>> # D0 alone: with L0 only by the first error, without L0 by the other two.
        >>> round(float(table[0b01, 1]), 6), round(float(table[0b01, 0]), 6)
        (0.056, 0.054)
    """
    _check_table_size(dem, max_table_bits=max_table_bits, decoder="exact")
    num_detectors = dem.num_detectors
    num_observables = dem.num_observables
    masks = _merged_mechanisms(dem, num_observables=num_observables)

    bits = num_observables  # the table covers the observables and detectors [0, bits - K)
    table = np.zeros(1 << bits, dtype=np.float64)
    table[0] = 1.0
    for mask, probability in sorted(masks.items()):
        highest = mask.bit_length() - 1
        if highest >= bits:  # grow the table: new high bits are zero with certainty
            grown = np.zeros(1 << (highest + 1), dtype=np.float64)
            grown[: table.size] = table
            table, bits = grown, highest + 1
        _apply_mechanism(table, bits=bits, mask=mask, probability=probability)
    full = np.zeros(1 << (num_detectors + num_observables), dtype=np.float64)
    full[: table.size] = table
    return full.reshape(1 << num_detectors, 1 << num_observables)


def _check_table_size(dem: stim.DetectorErrorModel, *, max_table_bits: int, decoder: str) -> None:
    bits = dem.num_detectors + dem.num_observables
    if bits > max_table_bits:
        observables = "observable" if dem.num_observables == 1 else "observables"
        raise ValueError(
            f"decoder {decoder!r} handles at most max_table_bits={max_table_bits} detectors plus "
            f"observables, but the model has {dem.num_detectors} detectors and "
            f"{dem.num_observables} {observables}; its table would need 2**{bits} probabilities; "
            "use a smaller circuit (fewer rounds or a smaller distance) or another decoder"
        )


def _merged_mechanisms(dem: stim.DetectorErrorModel, *, num_observables: int) -> dict[int, float]:
    """Flip masks (observables in the low bits, then detectors) to merged probabilities."""
    merged: dict[int, float] = {}
    for instruction in dem.flattened():
        if instruction.type != "error":
            continue
        probability = instruction.args_copy()[0]
        mask = 0
        for target in instruction.targets_copy():
            if target.is_relative_detector_id():
                mask ^= 1 << (num_observables + target.val)
            elif target.is_logical_observable_id():
                mask ^= 1 << target.val
        if mask == 0 or probability == 0:
            continue
        previous = merged.get(mask, 0.0)
        # Two independent mechanisms with the same mask act as one with the XOR probability.
        merged[mask] = previous + probability - 2 * previous * probability
    return merged


def _apply_mechanism(table: np.ndarray, *, bits: int, mask: int, probability: float) -> None:
    """In place: table[x] <- (1 - p) table[x] + p table[x ^ mask], for a table of 2**bits."""
    highest = mask.bit_length() - 1
    # As a (2,)*bits array in C order, bit k is axis bits-1-k. Split on the highest bit of the
    # mask: x with that bit 0 pairs with x ^ mask, whose lower bits are flipped where mask is 1.
    cube = table.reshape((2,) * bits)
    lead = (slice(None),) * (bits - 1 - highest)
    low = cube[(*lead, 0)]
    high = cube[(*lead, 1)]
    # In the halves, a lower bit k < highest sits on axis bits-2-k.
    flip_axes = tuple(bits - 2 - k for k in range(highest) if (mask >> k) & 1)
    partner = np.flip(high, axis=flip_axes) if flip_axes else high
    from_low = low * probability
    from_high = partner * probability
    keep = 1.0 - probability
    low *= keep
    low += from_high
    partner *= keep
    partner += from_low


@dataclasses.dataclass(frozen=True)
class ExactDecoder(sinter.Decoder):
    """Maximum-likelihood decoding of the whole detector error model, for small models.

    For every syndrome it predicts the observable flips with the largest total probability,
    summed over all fault combinations (``exact_joint_distribution``): the best any decoder can
    do on that model, which makes it the reference to check the others at d = 3. Compiling
    builds the table once per model and keeps one prediction per syndrome (``2**num_detectors``
    entries); decoding a batch is then a vectorised table lookup. Ties (including syndromes
    the model can never produce) predict no flip.

    Args:
        max_table_bits: the largest ``num_detectors + num_observables`` accepted (default 25,
            e.g. the d = 3 rotated surface code memory with 3 rounds: 24 detectors and one
            observable; compiling it takes about half a GiB and a few seconds).

    Raises:
        ValueError: (when compiling) the model is beyond ``max_table_bits``.

    Examples:
        >>> dem = stim.DetectorErrorModel("error(0.1) D0 L0\\nerror(0.2) D0 D1\\nerror(0.3) D1")
        >>> compiled = ExactDecoder().compile_decoder_for_dem(dem=dem)
        >>> compiled.decode_shots_bit_packed(
        ...     bit_packed_detection_event_data=np.array([[0b00], [0b01], [0b10], [0b11]],
        ...                                              dtype=np.uint8)).ravel().tolist()
        [0, 1, 0, 0]
    """

    max_table_bits: int = DEFAULT_MAX_TABLE_BITS

    def __post_init__(self) -> None:
        if (
            isinstance(self.max_table_bits, bool)
            or not isinstance(self.max_table_bits, int)
            or not 1 <= self.max_table_bits <= 30
        ):
            raise ValueError(
                f"max_table_bits={self.max_table_bits!r} must be an integer from 1 to 30"
            )

    @property
    def name(self) -> str:
        """The registry name of this decoder."""
        return "exact"

    def check_dem(self, dem: stim.DetectorErrorModel) -> None:
        """Raises ``ValueError`` if ``dem`` has more detectors plus observables than the limit."""
        _check_table_size(dem, max_table_bits=self.max_table_bits, decoder=self.name)

    def compile_decoder_for_dem(self, *, dem: stim.DetectorErrorModel) -> sinter.CompiledDecoder:
        """Builds the maximum-likelihood lookup table of ``dem`` (see ``sinter.Decoder``)."""
        self.check_dem(dem)
        joint = exact_joint_distribution(dem, max_table_bits=self.max_table_bits)
        best = np.argmax(joint, axis=1).astype("<u4")  # ties -> the lowest mask, 0 first
        del joint
        num_observable_bytes = (dem.num_observables + 7) // 8
        predictions = best.view(np.uint8).reshape(-1, 4)[:, :num_observable_bytes]
        return _CompiledExact(
            predictions=np.ascontiguousarray(predictions), num_detectors=dem.num_detectors
        )


class _CompiledExact(sinter.CompiledDecoder):
    def __init__(self, *, predictions: np.ndarray, num_detectors: int) -> None:
        self._predictions = predictions  # (2**num_detectors, num_observable_bytes) uint8
        self._num_detectors = num_detectors

    def decode_shots_bit_packed(self, *, bit_packed_detection_event_data: np.ndarray) -> np.ndarray:
        shots = bit_packed_detection_event_data
        # With little-endian bit order, the packed bytes of a shot read as a little-endian
        # integer are exactly the syndrome index (detector k at bit k).
        padded = np.zeros((shots.shape[0], 4), dtype=np.uint8)
        padded[:, : shots.shape[1]] = shots
        index = padded.view("<u4").ravel() & np.uint32((1 << self._num_detectors) - 1)
        return self._predictions[index]

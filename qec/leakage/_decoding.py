"""Leakage-aware matching: heralds lower the weight of nearby error mechanisms.

A herald says that a measurement found its qubit leaked (three-level readout). Its reported
bit is random, and while it was leaked the qubit scrambled its gate partners. Like an erasure
decoder, :class:`HeraldedMatching` uses that knowledge per shot, on the PyMatching graph of the
circuit's (leakage-free) detector error model:

* the mechanisms that flip exactly the detectors of the heralded measurement (its own
  measurement error: the time-like edge of a measure qubit, or the final-readout edge of a
  data qubit) get probability ``herald_probability`` (1/2 by default: weight 0, the bit is
  random);
* the edges of single errors on the heralded qubit's gate partners (read from the circuit's
  ``leak-gate`` instructions), that is edges between detectors of stabilizers that touch the
  same partner, in the rounds the heralded detectors span, get at least
  ``neighbourhood_probability``: the partners of a leaked qubit receive random Paulis.
  Detectors are matched to stabilizers through coordinates: a detector sits at the (x, y) of
  its measure qubit, as in qec's and stim's memory circuits.

PyMatching 2.4 has no per-shot edge reweighting, so shots are grouped by herald pattern; for
each pattern the affected edges are replaced (``add_edge(..., merge_strategy="replace")``),
the group is decoded with ``decode_batch``, and the edges are restored. Shots without a herald
are decoded in one batch with the unmodified graph.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pymatching
import stim

from qec.decoders import detector_error_model_for_circuit
from qec.leakage import _tags
from qec.leakage._simulator import CompiledLeakageCircuit

__all__ = ["HeraldedMatching"]


def _weight(p: float) -> float:
    return math.log((1 - p) / p)


class HeraldedMatching:
    """PyMatching that reweights the graph per shot from the heralds of leaked measurements.

    Args:
        circuit: the circuit the samples come from (its detector error model is decoded).
        herald_probability: probability given to the heralded measurement's own error edges.
        neighbourhood_probability: minimum probability of the edges of single errors on the
            heralded qubit's gate partners.
        dem: the detector error model, if already built (else built from the circuit).

    Raises:
        ValueError: a probability outside (0, 1/2].

    Examples:
        >>> import qec
        >>> noise = qec.NoiseModel.si1000(0.002).with_leakage(leakage_per_gate=0.005)
        >>> circuit = qec.memory_circuit(qec.codes.RotatedSurfaceCode(distance=3), rounds=3,
        ...                              basis="Z", noise=noise, leakage_removal="mlr")
        >>> samples = qec.leakage.sample_leakage(circuit, shots=200, seed=2, bit_packed=True)
        >>> decoder = HeraldedMatching(circuit)
        >>> decoder.decode(samples.detection_events, samples.heralds).shape
        (200, 1)
    """

    def __init__(
        self,
        circuit: stim.Circuit,
        *,
        herald_probability: float = 0.5,
        neighbourhood_probability: float = 0.1,
        dem: stim.DetectorErrorModel | None = None,
    ) -> None:
        for name, value in (("herald_probability", herald_probability),
                            ("neighbourhood_probability", neighbourhood_probability)):
            if not 0 < value <= 0.5:
                raise ValueError(f"{name}={value!r} must be in (0, 0.5]")

        self.herald_probability = float(herald_probability)
        self.neighbourhood_probability = float(neighbourhood_probability)
        dem = dem if dem is not None else detector_error_model_for_circuit(circuit)
        self.matching = pymatching.Matching.from_detector_error_model(dem)
        self.num_observables = circuit.num_observables
        self._edges: list[tuple[int, int | None, dict[str, Any]]] = self.matching.edges()
        self._edges_of: dict[int, list[int]] = {}
        for e, (u, v, _) in enumerate(self._edges):
            self._edges_of.setdefault(u, []).append(e)
            if v is not None:
                self._edges_of.setdefault(v, []).append(e)
        compiled = CompiledLeakageCircuit(circuit)
        self._measured_qubits = compiled.measured_qubits
        self._detectors_of: dict[int, list[int]] = {}
        n = compiled.num_measurements
        for d, row in enumerate(compiled.detector_index):
            for m in row.tolist():
                if m < n:
                    self._detectors_of.setdefault(m, []).append(d)
        self._detector_coords = circuit.get_detector_coordinates()
        # Detectors sit at the coordinates of their stabilizer's measure qubit.
        qubit_at = {tuple(c[:2]): q for q, c in circuit.get_final_qubit_coordinates().items()}
        self._detectors_at: dict[int, list[int]] = {}
        for d, c in self._detector_coords.items():
            if len(c) >= 3 and tuple(c[:2]) in qubit_at:
                self._detectors_at.setdefault(qubit_at[tuple(c[:2])], []).append(d)
        self._partners: dict[int, set[int]] = {}
        for instruction in circuit.flattened():
            if instruction.tag.startswith(_tags.GATE):
                targets = [t.value for t in instruction.targets_copy()]
                for a, b in zip(targets[0::2], targets[1::2], strict=True):
                    self._partners.setdefault(a, set()).add(b)
                    self._partners.setdefault(b, set()).add(a)
        self._cache: dict[int, dict[int, float]] = {}

    def edge_changes(self, measurement: int) -> dict[int, float]:
        """Edge index -> new probability for a herald on ``measurement`` (cached)."""
        if measurement in self._cache:
            return self._cache[measurement]
        changes: dict[int, float] = {}
        own = set(self._detectors_of.get(measurement, ()))
        times = [self._detector_coords[d][2] for d in own
                 if len(self._detector_coords.get(d, ())) >= 3]
        groups = [(own, self.herald_probability)]
        qubit = self._measured_qubits[measurement]
        if times and qubit >= 0:
            low, high = min(times), max(times)
            # An error on a partner p of the leaked qubit flips the stabilizers that touch p.
            for partner in self._partners.get(qubit, ()):
                group = {d for q in self._partners.get(partner, ())
                         for d in self._detectors_at.get(q, ())
                         if low <= self._detector_coords[d][2] <= high}
                groups.append((group, self.neighbourhood_probability))
        for i, (group, target) in enumerate(groups):
            for d in group:
                for e in self._edges_of.get(d, ()):
                    u, v, attrs = self._edges[e]
                    if v is None and len(group) > 1 and i == 0:
                        continue  # a two-detector measurement error is not a boundary edge
                    inside = u in group and (v is None or v in group)
                    if inside and target > attrs["error_probability"]:
                        changes[e] = max(changes.get(e, 0.0), target)
        self._cache[measurement] = changes
        return changes

    def _set(self, changes: dict[int, float], *, restore: bool) -> None:
        for e, p in changes.items():
            u, v, attrs = self._edges[e]
            if restore:
                p = attrs["error_probability"]
                weight = attrs["weight"]
            else:
                weight = _weight(p)
            if v is None:
                self.matching.add_boundary_edge(u, fault_ids=attrs["fault_ids"], weight=weight,
                                                error_probability=p, merge_strategy="replace")
            else:
                self.matching.add_edge(u, v, fault_ids=attrs["fault_ids"], weight=weight,
                                       error_probability=p, merge_strategy="replace")

    def decode(self, detection_events: np.ndarray, heralds: np.ndarray) -> np.ndarray:
        """Predicts observable flips from bit-packed detection events and heralds.

        Args:
            detection_events: ``uint8`` ``(shots, ceil(num_detectors / 8))``, bit-packed
                little-endian (as ``sample_leakage(..., bit_packed=True)`` returns).
            heralds: ``uint8`` ``(shots, ceil(num_measurements / 8))``, bit-packed likewise.

        Returns:
            ``uint8`` ``(shots, ceil(num_observables / 8))``: bit-packed predictions.
        """
        shots = detection_events.shape[0]
        width = (self.num_observables + 7) // 8
        predictions = np.zeros((shots, width), dtype=np.uint8)
        heralded = heralds.any(axis=1)
        plain = ~heralded
        if plain.any():
            predictions[plain] = self.matching.decode_batch(
                detection_events[plain], bit_packed_shots=True, bit_packed_predictions=True)
        index = np.flatnonzero(heralded)
        if not len(index):
            return predictions
        patterns, inverse = np.unique(heralds[index], axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        order = np.argsort(inverse, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(inverse, minlength=len(patterns)))))
        for k, pattern in enumerate(patterns):
            members = index[order[bounds[k]: bounds[k + 1]]]
            changes: dict[int, float] = {}
            for m in np.flatnonzero(np.unpackbits(pattern, bitorder="little")).tolist():
                for e, p in self.edge_changes(m).items():
                    changes[e] = max(changes.get(e, 0.0), p)
            self._set(changes, restore=False)
            predictions[members] = self.matching.decode_batch(
                detection_events[members], bit_packed_shots=True, bit_packed_predictions=True)
            self._set(changes, restore=True)
        return predictions

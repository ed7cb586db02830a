"""Detector and observable annotation of memory circuits."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import stim

from qec.codes import StabilizerCode


def _detectors(specs: Iterable[tuple[Sequence[float], int, Sequence[int], Sequence[float]]]
               ) -> stim.Circuit:
    """DETECTOR instructions from (space coordinates, t, record offsets, annotations)."""
    return stim.Circuit(
        "\n".join(
            f"DETECTOR({', '.join(map(str, (*space, t, *extra)))}) "
            + " ".join(f"rec[{r}]" for r in recs)
            for space, t, recs, extra in specs
        )
    )


def _data_readout_annotations(code: StabilizerCode, *, basis: str,
                              annotations: Sequence[tuple[float, ...]],
                              last_round: Callable[[int], list[int]]) -> stim.Circuit:
    """The detectors that compare the data readout with each check of ``basis`` (whose value
    after the last round is the parity of the record offsets ``last_round(k)``), and the
    observables, after a data readout that is the circuit's last measurement."""
    data = list(code.data_qubits)
    n_data = len(data)
    at = {q: i for i, q in enumerate(data)}
    coords = code.qubit_coords
    circuit = _detectors(
        (coords[s.measure_qubit], 1,
         [at[q] - n_data for q in s.data_qubits] + last_round(k), annotations[k])
        for k, s in enumerate(code.stabilizers) if s.basis == basis)
    for index, support in enumerate(code.logicals(basis)):
        circuit.append("OBSERVABLE_INCLUDE", [stim.target_rec(at[q] - n_data) for q in support],
                       index)
    return circuit

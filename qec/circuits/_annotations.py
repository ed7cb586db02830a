"""Detector and observable annotation of memory circuits, and the tags of their check type."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import stim

from qec.codes import StabilizerCode

_CHECK_TAG_PREFIX = "basis="


def check_tag(basis: str) -> str:
    """The stim tag of a detector comparing ``basis``-type checks, or of a ``basis``-type logical.

    ``DETECTOR[basis=X](...)`` compares measurements of an X-type check;
    ``OBSERVABLE_INCLUDE[basis=Z](0)`` is a Z-type logical operator. Stim keeps the tags in the
    detector error model (``detector[basis=X]``, ``logical_observable[basis=Z]``) and ignores
    them otherwise. Circuits whose detectors of both types carry observables write them
    (``boundary="authors"``); the split decoder (:class:`qec.decoders.SplitDecoder`) reads them.

    Raises:
        ValueError: ``basis`` is not ``"X"`` or ``"Z"``.

    Examples:
        >>> check_tag("X")
        'basis=X'
        >>> check_tag("Y")
        Traceback (most recent call last):
            ...
        ValueError: basis='Y' must be 'X' or 'Z'
    """
    if basis not in ("X", "Z"):
        raise ValueError(f"basis={basis!r} must be 'X' or 'Z'")
    return _CHECK_TAG_PREFIX + basis


def check_type_of_tag(tag: str) -> str | None:
    """The check type (``"X"`` or ``"Z"``) that a tag written by :func:`check_tag` names, or
    None for any other tag.

    Examples:
        >>> check_type_of_tag("basis=X"), check_type_of_tag(""), check_type_of_tag("leak")
        ('X', None, None)
    """
    basis = tag.removeprefix(_CHECK_TAG_PREFIX)
    return basis if tag.startswith(_CHECK_TAG_PREFIX) and basis in ("X", "Z") else None


def _detectors(specs: Iterable[tuple[Sequence[float], int, Sequence[int], Sequence[float]]
                               | tuple[Sequence[float], int, Sequence[int], Sequence[float], str]]
               ) -> stim.Circuit:
    """DETECTOR instructions from (space coordinates, t, record offsets, annotations[, tag])."""
    lines = []
    for space, t, recs, extra, *tag in specs:
        head = f"DETECTOR[{tag[0]}]" if tag and tag[0] else "DETECTOR"
        lines.append(f"{head}({', '.join(map(str, (*space, t, *extra)))}) "
                     + " ".join(f"rec[{r}]" for r in recs))
    return stim.Circuit("\n".join(lines))


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

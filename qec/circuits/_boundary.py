"""The time boundary of Bravyi et al.'s simulations: a perfect code state, the noisy cycles,
then two noiseless cycles, with the X-type and Z-type logicals both checked.

What the authors' code does (sbravyi/BivariateBicycleCodes, ``decoder_setup.py`` and
``decoder_run.py``, read at commit fa77e33): ``generate_noisy_circuit`` puts faults on the
``num_cycles`` repetitions of the syndrome cycle only; ``simulate_circuitX`` and
``simulate_circuitZ`` run that circuit followed by ``cycle + cycle``, two copies of the cycle
without faults, propagating X (Z) errors from an all-zero frame, i.e. from a perfect code state
whose Z (X) checks all read 0 and whose Z measure qubits start noiselessly in ``|0>``. The
syndrome history has ``num_cycles + 2`` measurements of every check of one type; the
"syndrome sparsification map" XORs each with the previous one of the same check (the first
with 0). There is no data readout: the logical flips are read off the error frame of the data
after the last noiseless cycle, ``lz @ state`` for the X part and ``lx @ state`` for the Z
part, all k of each. A trial fails if the Z part's decoder (BP+OSD on the X checks'
history) or the X part's (on the Z checks') gets any of its k logicals wrong.

Here the same experiment is one stim circuit with 2k deterministic observables: k noiseless
reference qubits, one per logical qubit, are paired with the code's logical qubits by a
noiseless ``MPP`` of every check and of the 2k products ``X_L(i) X_ref(i)`` and
``Z_L(i) Z_ref(i)`` (a perfect code state, maximally entangled with the references), then
the noisy cycles, the two noiseless cycles, and the same products measured again without
noise. Observable ``i`` is the XOR of the two measurements of product ``i``: the logical
flip the authors read off the frame. Every check of both types has a detector in every cycle,
the first against the noiseless start; they carry the tags of
:func:`~qec.circuits._annotations.check_tag`, so that a split decoder can decode the X and Z
parts apart, as the authors did.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import stim

from qec.circuits._annotations import _detectors, check_tag
from qec.circuits._overlapped import _check_overlapped, _overlapped_order, _overlapped_round
from qec.circuits._standard import _round
from qec.circuits._writer import _data_noise, _LayerWriter
from qec.codes import StabilizerCode
from qec.noise import NoiseModel

BOUNDARIES: tuple[str, ...] = ("noisy", "authors")
"""Time boundaries of :func:`qec.memory_circuit` (see its docstring)."""

NOISELESS_CYCLES = 2
"""Noiseless cycles after the noisy ones with ``boundary="authors"`` (``cycle + cycle`` in the
authors' ``decoder_run.py``)."""


def _products(code: StabilizerCode, basis: str, references: Sequence[int]) -> list[str]:
    """MPP targets of the k products (basis logical i) x (basis on reference i)."""
    return ["*".join(f"{basis}{q}" for q in (*support, reference))
            for support, reference in zip(code.logicals(basis), references, strict=True)]


def _check_authors(code: StabilizerCode, *, noise: NoiseModel, leakage_removal: str,
                   cycle: str, detectors: str) -> None:
    if set(code.supported_bases) != {"X", "Z"}:
        raise ValueError(
            f"boundary='authors' checks the X-type and the Z-type logicals, but "
            f"{type(code).__name__} protects only against "
            f"{'bit' if code.supported_bases == ('Z',) else 'phase'} flips; use "
            "boundary='noisy'")
    if noise.leakage is not None or leakage_removal != "none":
        raise ValueError("boundary='authors' does not model leakage; use boundary='noisy'")
    if cycle not in ("standard", "overlapped"):
        raise ValueError(f"boundary='authors' is written for the standard and overlapped "
                         f"cycles, not cycle={cycle!r}; use cycle='standard'")
    if detectors != "all":
        raise ValueError(
            f"detectors={detectors!r} does not apply with boundary='authors', whose observables "
            "are of both types; it declares every detector (decode the X and Z parts apart "
            "with a split decoder, such as 'bposd-bb:split=xz')")


def _authors_memory(code: StabilizerCode, *, rounds: int, basis: str, noise: NoiseModel,
                    leakage_removal: str, cycle: str, detectors: str) -> stim.Circuit:
    """The circuit of :func:`memory_circuit` with ``boundary="authors"`` (module docstring)."""
    _check_authors(code, noise=noise, leakage_removal=leakage_removal, cycle=cycle,
                   detectors=detectors)
    if cycle == "overlapped":
        _check_overlapped(code, noise, leakage_removal)
        order = _overlapped_order(code)

        def write_round(writer: _LayerWriter) -> None:
            _overlapped_round(writer, code)
    else:
        order = list(range(len(code.stabilizers)))

        def write_round(writer: _LayerWriter) -> None:
            _round(writer, code, data_noise=None)

    stabilizers = code.stabilizers
    coords = code.qubit_coords
    data = list(code.data_qubits)
    other = "Z" if basis == "X" else "X"
    first_reference = max(coords) + 1
    references = list(range(first_reference, first_reference + code.num_logical_qubits))
    products = _products(code, basis, references) + _products(code, other, references)
    size = len(stabilizers)
    position = {k: i for i, k in enumerate(order)}
    annotations = [code.detector_annotations(s) for s in stabilizers]

    # The perfect start: every qubit reset, every check and every product measured, noiselessly.
    circuit = stim.Circuit(
        "\n".join(f"QUBIT_COORDS({', '.join(map(str, coords[q]))}) {q}" for q in sorted(coords)))
    circuit.append("R", [*sorted(coords), *references])
    circuit.append("TICK")
    checks = ["*".join(f"{s.basis}{q}" for q in s.data_qubits) for s in stabilizers]
    circuit += stim.Circuit(f"MPP {' '.join(checks)}\nMPP {' '.join(products)}\nTICK")
    after_start = len(products)  # measurements after a check's start value: the products
    writer = _LayerWriter(noise, sorted(coords))

    def one_round(*, first: bool, noisy: bool) -> stim.Circuit:
        """One cycle and its detectors; the first compares with the start's measurements."""
        writer.circuit = stim.Circuit()
        if noisy and not (noise.data_noise_once and not first):
            block = _data_noise(noise, data, basis)
            writer.at_start_of_next_layer(block if len(block) else None)
        write_round(writer)
        if not first:
            writer.circuit.append("SHIFT_COORDS", [], [0, 0, 1])
        before: Callable[[int], int] = (
            (lambda k: k - size - after_start - size) if first
            else (lambda k: position[k] - 2 * size))
        writer.circuit += _detectors(
            (coords[s.measure_qubit], 0, [position[k] - size, before(k)], annotations[k],
             check_tag(s.basis))
            for k, s in enumerate(stabilizers))
        return writer.circuit

    circuit += one_round(first=True, noisy=True)
    if rounds > 1:
        circuit += _repeated(one_round(first=False, noisy=True), rounds - 1)
    writer.noise = noise.scaled(0)  # the same cycle, without a fault
    circuit += _repeated(one_round(first=False, noisy=False), NOISELESS_CYCLES)

    # The products again, without noise; observable i is the XOR of product i's two values.
    circuit += stim.Circuit("TICK\nMPP " + " ".join(products))
    count = len(products)
    start = count + (rounds + NOISELESS_CYCLES) * size + count
    for index in range(count):
        kind = basis if index < len(products) // 2 else other
        circuit.append(stim.CircuitInstruction(
            "OBSERVABLE_INCLUDE", [stim.target_rec(index - count),
                                   stim.target_rec(index - start)], [index],
            tag=check_tag(kind)))
    return circuit


def _repeated(body: stim.Circuit, times: int) -> stim.Circuit:
    """``body`` repeated: inline once, else a ``REPEAT`` block."""
    if times == 1:
        return body
    circuit = stim.Circuit()
    circuit.append(stim.CircuitRepeatBlock(times, body))
    return circuit

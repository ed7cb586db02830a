"""The task of a memory experiment, built from a code, a noise model and a decoder name."""

from __future__ import annotations

from typing import Any

from qec.circuits import memory_circuit, resolve_cycle, resolve_detectors
from qec.codes import code_from_name, spec_metadata
from qec.data import Task
from qec.decoders import canonical_decoder_name, decoder_is_known
from qec.noise import NoiseModel, canonical_noise_name

__all__ = ["memory_task"]


def memory_task(
    *,
    code: str,
    distance: int,
    rounds: int,
    basis: str,
    noise: str,
    p: float,
    decoder: str = "pymatching",
    leakage: float | None = None,
    leakage_removal: str = "none",
    removal_period: int = 1,
    rounds_rule: str | None = None,
    cycle: str | None = None,
    detectors: str | None = None,
    boundary: str = "noisy",
) -> Task:
    """The :class:`Task` of a memory experiment built by :func:`qec.memory_circuit`.

    With ``leakage`` the noise model gets :meth:`qec.NoiseModel.with_leakage` at that rate
    per qubit per two-qubit gate (other leakage parameters at their defaults), and the engine
    samples the task with :class:`qec.leakage.LeakageSampler`, decoding with ``decoder``
    (``"leakage-aware"`` for the herald-using decoder).

    Names are stored canonically, whatever alias was given: ``code="rotated_surface"`` and
    ``code="surface"`` make the same task (metadata ``code="surface"``), and so do
    ``noise="code_capacity"`` and ``"code-capacity"``, ``decoder="PyMatching"`` and
    ``"pymatching"``.

    Args:
        code: a code family name or spec for :func:`qec.codes.code_from_spec` (``"surface"``,
            ``"unrotated-surface"``, ``"repetition"``, ``"toric"``, ``"steane"``, ...).
        distance: the code distance (for a single code such as ``steane``, its own).
        rounds: rounds of stabilizer measurement.
        basis: ``"X"`` or ``"Z"``.
        noise: a noise model name for :meth:`qec.NoiseModel.from_name`.
        p: the physical error rate.
        decoder: the decoder name (a name qec resolves is stored canonically; another one,
            of a decoder given to ``collect(custom_decoders=...)``, as it is).
        leakage: leakage probability per qubit per two-qubit gate, or None for no leakage.
        leakage_removal: ``"none"``, ``"mlr"`` or ``"dqlr"`` (see :func:`qec.memory_circuit`).
        removal_period: rounds between DQLR steps.
        rounds_rule: how the rounds were chosen for a sweep over distances (``"3d"``, ``"10"``),
            stored as metadata ``rounds_rule`` so that sweeps with different rules are never
            one series; None (the default, and rounds = d) stores nothing.
        cycle: the syndrome-cycle layout of :func:`qec.memory_circuit`: ``"standard"``,
            ``"overlapped"`` (Bravyi et al.'s depth-8 cycle) or ``"superdense"`` (Gidney and
            Jones's colour-code cycle); None (the default) is the code's own default
            (superdense for the colour code, overlapped for bivariate bicycle codes, standard
            for the others). Stored as metadata
            ``cycle`` when not standard.
        detectors: ``"all"`` or ``"basis"`` (see :func:`qec.memory_circuit`); None (the
            default) is the code's own (basis for bivariate bicycle codes, whose default cycle
            is the paper's overlapped one; all with the authors' boundary). Stored as metadata
            ``detectors`` when not all.
        boundary: ``"noisy"`` (noisy preparation and readout) or ``"authors"`` (Bravyi et
            al.'s perfect start and two noiseless final cycles, with the logicals of both
            types as observables: see :func:`qec.memory_circuit`). Stored as metadata
            ``boundary`` when not noisy; ``rounds`` counts the noisy cycles.

    Returns:
        A task whose metadata holds all of the above under the standard keys (the leakage keys
        ``leakage``, ``leakage_removal`` and ``removal_period`` only when ``leakage`` is given;
        ``num_observables`` when the circuit has more than one observable).

    Raises:
        ValueError: for an invalid code, distance, rounds, basis, noise name, p or leakage
            option.

    Examples:
        >>> task = memory_task(code="repetition", distance=3, rounds=3, basis="Z",
        ...                    noise="sd6", p=0.01)
        >>> task.json_metadata["distance"], task.decoder
        (3, 'pymatching')
        >>> leaky = memory_task(code="surface", distance=3, rounds=3, basis="Z", noise="si1000",
        ...                     p=0.002, leakage=0.001, leakage_removal="dqlr")
        >>> leaky.json_metadata["leakage"], leaky.json_metadata["leakage_removal"]
        (0.001, 'dqlr')
        >>> bb = memory_task(code="bb:72", distance=6, rounds=2, basis="X", noise="sd6",
        ...                  p=0.003, decoder="bposd", cycle="overlapped", detectors="basis")
        >>> bb.json_metadata["cycle"], bb.json_metadata["num_observables"]
        ('overlapped', 12)
        >>> authors = memory_task(code="bb:72", distance=6, rounds=6, basis="Z", noise="sd6",
        ...                       p=0.004, decoder="bposd-bb:split=xz", boundary="authors")
        >>> authors.json_metadata["boundary"], authors.json_metadata["num_observables"]
        ('authors', 24)
        >>> memory_task(code="rotated_surface", distance=3, rounds=3, basis="Z", noise="sd6",
        ...             p=0.01) == memory_task(code="surface", distance=3, rounds=3, basis="Z",
        ...                                    noise="SD6", p=0.01)
        True
    """
    code_name, spec_parameters = spec_metadata(code)
    noise = canonical_noise_name(noise)
    if decoder_is_known(decoder):  # else a custom decoder's name, for collect(custom_decoders=)
        decoder = canonical_decoder_name(decoder)
    model = NoiseModel.from_name(noise, p)
    if leakage is not None:
        model = model.with_leakage(leakage_per_gate=leakage)
    elif leakage_removal != "none" or removal_period != 1:
        raise ValueError(
            f"leakage_removal={leakage_removal!r} and removal_period={removal_period!r} need "
            "leakage: give leakage=RATE too")
    code_object = code_from_name(code, distance=distance)
    cycle = resolve_cycle(code_object, cycle, model)
    detectors = resolve_detectors(code_object, detectors, boundary=boundary)
    circuit = memory_circuit(
        code_object,
        rounds=rounds,
        basis=basis,
        noise=model,
        leakage_removal=leakage_removal,
        removal_period=removal_period,
        cycle=cycle,
        detectors=detectors,
        boundary=boundary,
    )
    metadata: dict[str, Any] = {
        "code": code_name,
        "distance": code_object.distance,
        "rounds": int(rounds),
        "basis": basis,
        "noise": noise,
        "p": float(p),
        "decoder": decoder,
    }
    metadata.update({k: v for k, v in spec_parameters.items() if k != "distance"})
    if circuit.num_observables > 1:
        metadata["num_observables"] = circuit.num_observables
    if rounds_rule is not None:
        metadata["rounds_rule"] = str(rounds_rule)
    if cycle != "standard":
        metadata["cycle"] = cycle
    if detectors != "all":
        metadata["detectors"] = detectors
    if boundary != "noisy":
        metadata["boundary"] = boundary
    if leakage is not None:
        metadata.update(leakage=leakage, leakage_removal=leakage_removal,
                        removal_period=removal_period)
    return Task(circuit=circuit, decoder=decoder, json_metadata=metadata)

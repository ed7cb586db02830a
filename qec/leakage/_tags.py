"""The instruction tags that carry leakage in a stim circuit.

Stim (>= 1.15) keeps an instruction's tag (``CZ[tag] 0 1``) and otherwise ignores it; it also
ignores ``I_ERROR``. So a circuit written with these tags is an ordinary stim circuit for stim,
its detector error model and its decoders (leakage-free), and a leakage circuit for
:func:`qec.leakage.sample_leakage`. Every parameter the leakage sampler needs is in the circuit:

============================================== =============================================
instruction                                    meaning for the leakage sampler
============================================== =============================================
``I_ERROR[leak](p) q...``                      each listed qubit not leaked leaks with prob. p
``I_ERROR[leak-seepage](p) q...``              each listed leaked qubit returns with prob. p,
                                               to a random (maximally mixed) state
``I_ERROR[leak-population]``                   records how many shots have each qubit leaked
                                               (one record per round in memory circuits)
``CZ[leak-gate:partner=P,transport=T] a b...`` a gate with one leaked qubit applies P
                                               (``random-pauli`` / ``random-z``) to the other,
                                               or with prob. T moves the leakage across
``MR[leak-measure:readout=R,reset=S] q...``    a leaked qubit reads per R (``herald``,
                                               ``random``, ``one``); reset S (``mlr`` or
                                               ``plain``) does or does not return it
``R[leak-mlr] q...``                           multi-level reset: returns a leaked qubit
``II[leak-iswap] d m...``                      LeakageISWAP (DQLR): moves the leakage of data
                                               qubit d onto the (unleaked) measure qubit m
============================================== =============================================

Untagged instructions know nothing of leakage: an untagged two-qubit gate leaves the partner
of a leaked qubit alone, an untagged measurement of a leaked qubit reads a random bit, an
untagged reset leaves a leaked qubit leaked. Tags that do not start with ``leak`` are ignored.
"""

from __future__ import annotations

import dataclasses

import stim

from qec.noise import LEAKED_READOUTS, PARTNER_ERRORS

__all__ = [
    "GATE",
    "INJECT",
    "ISWAP",
    "MEASURE",
    "MLR",
    "POPULATION",
    "SEEPAGE",
    "GateTag",
    "MeasureTag",
    "gate_tag",
    "has_leakage",
    "measure_tag",
    "parse_gate_tag",
    "parse_measure_tag",
]

INJECT = "leak"
SEEPAGE = "leak-seepage"
POPULATION = "leak-population"
GATE = "leak-gate"
MEASURE = "leak-measure"
MLR = "leak-mlr"
ISWAP = "leak-iswap"

RESETS: tuple[str, ...] = ("mlr", "plain")


@dataclasses.dataclass(frozen=True)
class GateTag:
    """What a tagged two-qubit gate does next to a leaked qubit."""

    partner: str = "none"
    transport: float = 0.0


@dataclasses.dataclass(frozen=True)
class MeasureTag:
    """How a tagged measurement reads a leaked qubit and whether its reset returns it."""

    readout: str = "random"
    reset: str = "plain"


def _fields(tag: str, head: str) -> dict[str, str]:
    rest = tag[len(head):]
    if not rest:
        return {}
    if not rest.startswith(":"):
        raise ValueError(f"tag {tag!r} is not a valid {head!r} tag")
    fields = {}
    for item in rest[1:].split(","):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"tag {tag!r}: {item!r} must be key=value")
        fields[key.strip()] = value.strip()
    return fields


def gate_tag(*, partner: str, transport: float) -> str:
    """The tag of a two-qubit gate.

    Examples:
        >>> gate_tag(partner="random-z", transport=0.1)
        'leak-gate:partner=random-z,transport=0.1'
        >>> parse_gate_tag(gate_tag(partner="random-z", transport=0.1))
        GateTag(partner='random-z', transport=0.1)
    """
    return f"{GATE}:partner={partner},transport={transport!r}"


def parse_gate_tag(tag: str) -> GateTag:
    """Parses a gate tag; an empty or foreign tag is a gate that knows nothing of leakage.

    Raises:
        ValueError: a malformed ``leak-gate`` tag, an unknown partner error or a transport
            probability outside [0, 1].
    """
    if not tag.startswith(GATE):
        return GateTag()
    fields = _fields(tag, GATE)
    partner = fields.pop("partner", "none")
    if partner not in (*PARTNER_ERRORS, "none"):
        raise ValueError(
            f"tag {tag!r}: partner={partner!r} must be one of {', '.join(PARTNER_ERRORS)}, none"
        )
    try:
        transport = float(fields.pop("transport", "0"))
    except ValueError:
        raise ValueError(f"tag {tag!r}: transport must be a number") from None
    if not 0 <= transport <= 1:
        raise ValueError(f"tag {tag!r}: transport={transport!r} must be a probability in [0, 1]")
    if fields:
        raise ValueError(f"tag {tag!r}: unknown keys {sorted(fields)}")
    return GateTag(partner=partner, transport=transport)


def measure_tag(*, readout: str, reset: str | None) -> str:
    """The tag of a measurement (``reset`` only for measure-and-reset instructions).

    Examples:
        >>> measure_tag(readout="herald", reset="mlr")
        'leak-measure:readout=herald,reset=mlr'
        >>> parse_measure_tag("leak-measure:readout=one")
        MeasureTag(readout='one', reset='plain')
    """
    return f"{MEASURE}:readout={readout}" + ("" if reset is None else f",reset={reset}")


def parse_measure_tag(tag: str) -> MeasureTag:
    """Parses a measurement tag; an empty or foreign tag reads a leaked qubit as a random bit.

    Raises:
        ValueError: a malformed ``leak-measure`` tag or an unknown readout or reset.
    """
    if not tag.startswith(MEASURE):
        return MeasureTag()
    fields = _fields(tag, MEASURE)
    readout = fields.pop("readout", "random")
    reset = fields.pop("reset", "plain")
    if readout not in LEAKED_READOUTS:
        raise ValueError(
            f"tag {tag!r}: readout={readout!r} must be one of {', '.join(LEAKED_READOUTS)}"
        )
    if reset not in RESETS:
        raise ValueError(f"tag {tag!r}: reset={reset!r} must be one of {', '.join(RESETS)}")
    if fields:
        raise ValueError(f"tag {tag!r}: unknown keys {sorted(fields)}")
    return MeasureTag(readout=readout, reset=reset)


def has_leakage(circuit_text: str) -> bool:
    """Whether a circuit's text carries leakage tags (every leakage tag starts with ``leak``).

    Examples:
        >>> has_leakage("I_ERROR[leak](0.01) 0"), has_leakage("X_ERROR(0.01) 0")
        (True, False)
    """
    return "[leak" in circuit_text


def pauli_equivalent(circuit: stim.Circuit) -> stim.Circuit:
    """The same circuit with Pauli noise instead of leakage.

    Every leakage injection ``I_ERROR[leak](p) q...`` becomes ``DEPOLARIZE1(p) q...`` (a Pauli
    error at the same places and rate), and all tags are dropped, so nothing leaks.

    Examples:
        >>> print(pauli_equivalent(stim.Circuit("CZ[leak-gate:partner=random-z] 0 1\\n"
        ...                                     "I_ERROR[leak](0.01) 0 1")))
        CZ 0 1
        DEPOLARIZE1(0.01) 0 1
    """
    out = stim.Circuit()
    for item in circuit:
        if isinstance(item, stim.CircuitRepeatBlock):
            out.append(stim.CircuitRepeatBlock(item.repeat_count,
                                               pauli_equivalent(item.body_copy())))
        elif item.name == "I_ERROR" and item.tag == INJECT:
            out.append("DEPOLARIZE1", item.targets_copy(), item.gate_args_copy())
        else:
            out.append(stim.CircuitInstruction(item.name, item.targets_copy(),
                                               item.gate_args_copy()))
    return out

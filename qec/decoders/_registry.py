"""The decoder registry: names to ``sinter.Decoder`` objects."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import sinter
import stim

from qec.decoders._dem import is_installed
from qec.decoders._exact import ExactDecoder
from qec.decoders._ldpc_family import BeliefMatchingDecoder, BpOsdDecoder
from qec.decoders._matching import PyMatchingDecoder
from qec.decoders._union_find import UnionFindDecoder


@dataclasses.dataclass(frozen=True)
class DecoderInfo:
    """A registered decoder: its name, what it is, and the packages it needs.

    Attributes:
        name: the registry name, as given to ``get_decoder`` and ``sinter collect --decoders``.
        description: one line saying what the decoder does.
        requires: importable module names the decoder needs beyond qec's own dependencies.

    Examples:
        >>> info = decoder_infos()[0]
        >>> info.name, info.installed
        ('pymatching', True)
    """

    name: str
    description: str
    requires: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"name={self.name!r} must be a non-empty string")

    @property
    def installed(self) -> bool:
        """Whether every module in ``requires`` can be imported."""
        return all(is_installed(module) for module in self.requires)


_REGISTRY: dict[str, tuple[DecoderInfo, Callable[[], sinter.Decoder]]] = {}


def _register(info: DecoderInfo, factory: Callable[[], sinter.Decoder]) -> None:
    _REGISTRY[info.name] = (info, factory)


_register(
    DecoderInfo(
        name="pymatching",
        description="minimum-weight perfect matching (PyMatching sparse blossom); the default",
        requires=("pymatching",),
    ),
    lambda: PyMatchingDecoder(correlated=False),
)
_register(
    DecoderInfo(
        name="pymatching-correlated",
        description="PyMatching two-pass correlated matching (PyMatching >= 2.3)",
        requires=("pymatching",),
    ),
    lambda: PyMatchingDecoder(correlated=True),
)
_register(
    DecoderInfo(
        name="bposd",
        description="belief propagation + ordered statistics on the hypergraph (stimbposd, ldpc)",
        requires=("stimbposd", "ldpc"),
    ),
    BpOsdDecoder,
)
_register(
    DecoderInfo(
        name="belief-matching",
        description="belief propagation on the hypergraph, then matching (beliefmatching)",
        requires=("beliefmatching", "ldpc"),
    ),
    BeliefMatchingDecoder,
)
_register(
    DecoderInfo(
        name="union-find",
        description="weighted-growth union-find (Delfosse-Nickerson) on the matching graph (mwpf)",
        requires=("mwpf",),
    ),
    UnionFindDecoder,
)
_register(
    DecoderInfo(
        name="exact",
        description="exact maximum likelihood by a full probability table (<= 25 detectors)",
        requires=(),
    ),
    ExactDecoder,
)


def decoder_names() -> tuple[str, ...]:
    """The names of all registered decoders, installed or not, in registry order.

    Examples:
        >>> decoder_names()[:2]
        ('pymatching', 'pymatching-correlated')
    """
    return tuple(_REGISTRY)


def decoder_infos() -> tuple[DecoderInfo, ...]:
    """A ``DecoderInfo`` for every registered decoder, installed or not, in registry order."""
    return tuple(info for info, _ in _REGISTRY.values())


def get_decoder(name_or_decoder: str | sinter.Decoder) -> sinter.Decoder:
    """Returns the ``sinter.Decoder`` with this registry name, or passes a decoder object through.

    A decoder whose optional dependency is missing is still returned; compiling it (or
    ``check_decoder``) raises ``ImportError`` saying ``pip install 'qec[decoders]'``.

    Args:
        name_or_decoder: a registry name (see ``decoder_names()``) or a ``sinter.Decoder``.

    Returns:
        A ``sinter.Decoder``.

    Raises:
        ValueError: the name is not registered; the message lists the known names.

    Examples:
        >>> get_decoder("pymatching")
        PyMatchingDecoder(correlated=False)
        >>> get_decoder("mwpm")
        Traceback (most recent call last):
        ...
        ValueError: decoder='mwpm' is not a known decoder; known decoders: pymatching, ...
    """
    if isinstance(name_or_decoder, sinter.Decoder):
        return name_or_decoder
    if isinstance(name_or_decoder, str) and name_or_decoder in _REGISTRY:
        _, factory = _REGISTRY[name_or_decoder]
        return factory()
    raise ValueError(
        f"decoder={name_or_decoder!r} is not a known decoder; known decoders: "
        f"{', '.join(_REGISTRY)} (or pass a sinter.Decoder object)"
    )


def sinter_decoders() -> dict[str, sinter.Decoder]:
    """The name-to-decoder dict for ``sinter.collect(custom_decoders=...)``.

    This is also what ``sinter collect --custom_decoders qec.decoders:sinter_decoders`` loads.
    Every registered decoder is included; one whose optional dependency is missing raises an
    ``ImportError`` saying how to install it when sinter compiles it.

    Examples:
        >>> list(sinter_decoders())[:2]
        ['pymatching', 'pymatching-correlated']
    """
    return {name: factory() for name, (_, factory) in _REGISTRY.items()}


def check_decoder(name_or_decoder: str | sinter.Decoder, *, dem: stim.DetectorErrorModel) -> None:
    """Raises if the decoder cannot decode ``dem``, cheaply and before any worker starts.

    Run this in the main process before handing tasks to sinter or dask workers, so that a bad
    combination is one clear error instead of a crash inside a worker. Decoders from outside
    qec (plain ``sinter.Decoder`` objects) are accepted without checks.

    Args:
        name_or_decoder: a registry name or a ``sinter.Decoder``.
        dem: the detector error model the decoder will be compiled for.

    Raises:
        ValueError: unknown name, or a model the decoder cannot handle (for example a
            non-graphlike model for a matching decoder, or too many detectors for 'exact').
        ImportError: an optional dependency is missing; the message says how to install it.

    Examples:
        >>> check_decoder("pymatching", dem=stim.DetectorErrorModel("error(0.1) D0 D1 D2"))
        Traceback (most recent call last):
        ...
        ValueError: decoder 'pymatching' needs a graphlike detector error model, ...
    """
    decoder = get_decoder(name_or_decoder)
    check_dem = getattr(decoder, "check_dem", None)
    if check_dem is not None:
        check_dem(dem)

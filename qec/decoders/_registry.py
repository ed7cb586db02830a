"""The decoder registry: one place that turns a decoder name into a ``sinter.Decoder``.

:func:`resolve_decoder` looks a name up in this order, and everything in qec that takes a
decoder name (``decode``, the sampling engine and its workers, every command) calls it:

1. the ``custom_decoders`` given to the call (exact keys, as in ``sinter.collect``);
2. qec's registry: qec's own decoders, then decoders that other packages add, with
   :func:`register_decoder` or through the ``qec.decoders`` entry-point group;
3. the leakage-aware samplers of :mod:`qec.leakage` (``leakage-aware``), which simulate the
   circuit's leakage themselves and decode with its heralds;
4. sinter's built-in decoders and samplers (``sinter.BUILT_IN_SAMPLERS``: ``vacuous``,
   ``fusion_blossom``, ``hypergraph_union_find``, ``mw_parity_factor``, ``perfectionist``, ...);
   its decoders are given the model with parallel errors merged
   (:mod:`qec.decoders._sinter_builtin` says why).

qec's own decoders and published profiles are the table of :mod:`qec.decoders._builtin`,
registered here first; the text of a spec ``NAME:KEY=VALUE,...`` is parsed by
:mod:`qec.decoders._specs`. One parameter applies to every decoder of detection events:
``split=xz`` decodes the X-type and the Z-type checks apart, each with ``NAME``
(:class:`~qec.decoders.SplitDecoder`), as in ``bposd-bb:split=xz``.

Names are compared after :func:`qec._registry.normalize_name` (case, ``_`` or ``-``), as for
codes and noise models. An entry point's name is the decoder name; its object is a
``sinter.Decoder`` (or ``sinter.Sampler``), or a callable taking no argument that returns
one. A third-party package declares, in its ``pyproject.toml``::

    [project.entry-points."qec.decoders"]
    my-decoder = "my_package:MyDecoder"
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
from collections.abc import Callable, Mapping
from typing import Any

import sinter
import stim

from qec._registry import Registry, normalize_name
from qec.decoders._builtin import BUILTIN_DECODERS
from qec.decoders._dem import is_installed
from qec.decoders._sinter_builtin import MergedBuiltIn
from qec.decoders._specs import _parameter_text, _with_parameters, parse_decoder_spec
from qec.decoders._split import SPLITS, SplitDecoder

__all__ = [
    "ENTRY_POINT_GROUP",
    "DecoderInfo",
    "check_decoder",
    "decoder_info",
    "decoder_infos",
    "decoder_is_known",
    "decoder_names",
    "decoder_parameters",
    "get_decoder",
    "register_decoder",
    "resolvable_decoders",
    "resolve_decoder",
    "sinter_decoders",
    "unregister_decoder",
]

ENTRY_POINT_GROUP = "qec.decoders"
"""The entry-point group through which installed packages add decoders."""

SOURCES = ("qec", "registered", "plugin", "leakage", "sinter")


@dataclasses.dataclass(frozen=True)
class DecoderInfo:
    """A decoder name that resolves: what it is, where it comes from, what it needs.

    Attributes:
        name: the canonical name, as given to ``resolve_decoder`` and ``--decoder``.
        description: one line saying what the decoder does.
        requires: importable module names the decoder needs beyond qec's own dependencies.
        source: ``"qec"`` (built in), ``"registered"`` (:func:`register_decoder`),
            ``"plugin"`` (an entry point), ``"leakage"`` (a leakage-aware sampler) or
            ``"sinter"`` (sinter's built-ins).
        kind: ``"decoder"`` (a ``sinter.Decoder``: decodes detection events) or ``"sampler"``
            (a ``sinter.Sampler``: samples and decodes a task itself).
        reference: where a published profile's parameters come from (empty for the others).

    Examples:
        >>> info = decoder_infos()[0]
        >>> info.name, info.installed, info.source
        ('pymatching', True, 'qec')
    """

    name: str
    description: str
    requires: tuple[str, ...] = ()
    source: str = "qec"
    kind: str = "decoder"
    reference: str = ""

    def __post_init__(self) -> None:
        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"name={self.name!r} must be a non-empty string")
        if self.source not in SOURCES:
            raise ValueError(f"source={self.source!r} must be one of {', '.join(SOURCES)}")
        if self.kind not in ("decoder", "sampler"):
            raise ValueError(f"kind={self.kind!r} must be 'decoder' or 'sampler'")

    @property
    def installed(self) -> bool:
        """Whether every module in ``requires`` can be imported."""
        return all(is_installed(module) for module in self.requires)


@dataclasses.dataclass(frozen=True)
class _Entry:
    info: DecoderInfo
    factory: Callable[[], Any]


_REGISTRY: Registry[_Entry] = Registry("decoder")
_entry_points_loaded = False

for _row in BUILTIN_DECODERS:  # qec's own decoders and published profiles come first
    _REGISTRY.register(_row.name, _Entry(DecoderInfo(
        name=_row.name, description=_row.description, requires=_row.requires,
        source=_row.source, kind=_row.kind, reference=_row.reference), _row.factory))


def _as_decoder(value: Any, *, name: str) -> Any:
    """An entry point's or registration's object: a decoder, or a factory that makes one."""
    if _is_decoder_like(value):
        return value
    if callable(value):
        made = value()
        if _is_decoder_like(made):
            return made
        raise ValueError(f"decoder {name!r}: its factory returned {made!r}, which is not a "
                         "sinter.Decoder or sinter.Sampler")
    raise ValueError(f"decoder {name!r}: {value!r} is not a sinter.Decoder, a sinter.Sampler "
                     "or a callable that returns one")


def _is_decoder_like(value: Any) -> bool:
    if isinstance(value, type):
        return False  # a class is a factory, not a decoder
    return isinstance(value, (sinter.Decoder, sinter.Sampler)) or any(
        callable(getattr(value, method, None))
        for method in ("compile_decoder_for_dem", "decode_via_files", "compiled_sampler_for_task"))


def register_decoder(name: str, decoder: Any, *, description: str = "",
                     requires: tuple[str, ...] = (), replace: bool = False) -> None:
    """Adds a decoder to qec's registry, so that every qec function and command knows its name.

    Args:
        name: the decoder name (normalised: case and ``_``/``-`` do not matter).
        decoder: a ``sinter.Decoder`` or ``sinter.Sampler`` object, or a callable taking no
            argument that returns one (called each time the name is resolved).
        description: one line for ``qec decoders``.
        requires: importable modules it needs (``qec decoders`` says whether they are there).
        replace: replace a registered decoder of the same name (qec's own included).

    Raises:
        ValueError: the name is taken (and ``replace`` is False), or ``decoder`` is neither a
            decoder nor a callable.

    Examples:
        >>> from qec.decoders import PyMatchingDecoder
        >>> register_decoder("my-matching", PyMatchingDecoder, description="demo")
        >>> resolve_decoder("my_matching")
        PyMatchingDecoder(correlated=False)
        >>> register_decoder("my-matching", 3, replace=True)
        Traceback (most recent call last):
            ...
        ValueError: decoder 'my-matching': 3 is not a sinter.Decoder, a sinter.Sampler or a ...
        >>> unregister_decoder("my-matching")
    """
    if not (_is_decoder_like(decoder) or callable(decoder)):
        _as_decoder(decoder, name=name)  # raises with the message
    kind = "sampler" if isinstance(decoder, sinter.Sampler) else "decoder"
    info = DecoderInfo(name=normalize_name(name), description=description or "registered",
                       requires=tuple(requires), source="registered", kind=kind)
    _REGISTRY.register(name, _Entry(info, lambda: _as_decoder(decoder, name=name)),
                       replace=replace)


def unregister_decoder(name: str) -> None:
    """Removes a decoder added by :func:`register_decoder` (qec's own cannot be removed).

    Raises:
        ValueError: the name is not a registered decoder of this process.
    """
    canonical = _REGISTRY.find(name)
    if canonical is None or _REGISTRY.get(canonical).info.source != "registered":
        raise ValueError(f"decoder={name!r} was not added with register_decoder")
    _REGISTRY.remove(canonical)


def _load_entry_points() -> None:
    """Registers the decoders of installed packages' ``qec.decoders`` entry points, once."""
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    for point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if point.name in _REGISTRY:
            continue  # qec's own names and explicit registrations win
        distribution = getattr(point.dist, "name", None) or "an installed package"
        info = DecoderInfo(name=normalize_name(point.name), source="plugin",
                           description=f"from {distribution} ({point.value})")
        _REGISTRY.register(point.name, _Entry(
            info, lambda point=point: _as_decoder(point.load(), name=point.name)))


def reload_entry_points() -> None:
    """Reads the ``qec.decoders`` entry points again (after installing a package in-process):
    decoders of packages no longer found are dropped, new ones are added."""
    global _entry_points_loaded
    for name, entry in _REGISTRY.items():
        if entry.info.source == "plugin":
            _REGISTRY.remove(name)
    _entry_points_loaded = False
    _load_entry_points()


SPLIT = "split"
"""The spec parameter that every decoder of detection events takes: ``NAME:split=xz``."""

# The packages sinter's built-in decoders import when they are compiled.
_SINTER_REQUIRES = {"fusion_blossom": ("fusion_blossom",), "hypergraph_union_find": ("mwpf",),
                    "mw_parity_factor": ("mwpf",)}


def _sinter_name(name: str) -> str | None:
    wanted = normalize_name(name)
    return next((key for key in sinter.BUILT_IN_SAMPLERS if normalize_name(key) == wanted), None)


def decoder_parameters(name_or_decoder: Any) -> dict[str, Any]:
    """The parameters of a decoder (a name, a spec or a dataclass decoder), by name.

    Examples:
        >>> decoder_parameters("tesseract-short-beam")["det_beam"]
        15
        >>> decoder_parameters("pymatching")
        {'correlated': False}
        >>> decoder_parameters("pymatching:split=xz")
        {'correlated': False, 'split': 'xz'}
    """
    decoder = (resolve_decoder(name_or_decoder) if isinstance(name_or_decoder, str)
               else name_or_decoder)
    if isinstance(decoder, SplitDecoder):
        return {**decoder_parameters(decoder.inner), SPLIT: SPLITS[0]}
    if not dataclasses.is_dataclass(decoder) or isinstance(decoder, type):
        return {}
    return {f.name: getattr(decoder, f.name) for f in dataclasses.fields(decoder)}


def _split(spec: str, decoder: Any, value: str) -> SplitDecoder:
    """``decoder`` wrapped to decode the X-type and Z-type checks apart (``split=xz``)."""
    if value.lower() not in SPLITS:
        raise ValueError(f"decoder spec {spec!r}: split={value!r} must be "
                         f"{' or '.join(SPLITS)} (decode the X-type and the Z-type checks "
                         "apart)")
    if isinstance(decoder, sinter.Sampler) and not hasattr(decoder, "compile_decoder_for_dem"):
        raise ValueError(f"decoder spec {spec!r}: split=xz decodes detection events, but "
                         f"{spec.partition(':')[0]!r} is a sampler (it simulates the circuit "
                         "itself)")
    return SplitDecoder(decoder)


def canonical_decoder_name(name: str, *, custom_decoders: Mapping[str, Any] | None = None
                           ) -> str:
    """The name under which ``name`` resolves: a custom key as given, qec's canonical name, or
    sinter's own spelling of a built-in. A spec with parameters keeps them, sorted, in their
    canonical spelling.

    Raises:
        ValueError: the name does not resolve, or a parameter is unknown or invalid.

    Examples:
        >>> canonical_decoder_name("PyMatching_Correlated")
        'pymatching-correlated'
        >>> canonical_decoder_name("fusion-blossom")
        'fusion_blossom'
        >>> canonical_decoder_name("Relay_BP:stop_nconv=1,num-sets=3e2")
        'relay-bp:num_sets=300,stop_nconv=1'
        >>> canonical_decoder_name("BPOSD-BB:Split=XZ")
        'bposd-bb:split=xz'
    """
    if custom_decoders and name in custom_decoders:
        return name
    _check_name(name)
    base, parameters = parse_decoder_spec(name)
    if parameters:
        split = _pop_split(parameters)
        canonical = canonical_decoder_name(base, custom_decoders=custom_decoders)
        decoder = resolve_decoder(canonical, custom_decoders=custom_decoders)
        texts = {}
        if parameters:
            decoder = _with_parameters(name, decoder, parameters)
            texts = {key: _parameter_text(getattr(decoder, key)) for key in parameters}
        if split is not None:
            _split(name, decoder, split)
            texts[SPLIT] = split.lower()
        return canonical + ":" + ",".join(f"{key}={texts[key]}" for key in sorted(texts))
    _load_entry_points()
    found = _REGISTRY.find(name)
    if found is not None:
        return found
    sinter_name = _sinter_name(name)
    if sinter_name is not None:
        return sinter_name
    raise _unknown(name, custom_decoders)


def _pop_split(parameters: dict[str, str]) -> str | None:
    """Removes and returns the ``split`` parameter of a spec's parameters (any case)."""
    key = next((key for key in parameters if key.lower() == SPLIT), None)
    return None if key is None else parameters.pop(key)


def decoder_is_known(name: object) -> bool:
    """Whether ``name`` resolves without custom decoders (qec's registry, plugins, sinter).

    Examples:
        >>> decoder_is_known("Vacuous"), decoder_is_known("mine")
        (True, False)
    """
    if not isinstance(name, str) or not name.strip():
        return False
    if ":" in name:
        try:
            canonical_decoder_name(name)
        except ValueError:
            return False
        return True
    _load_entry_points()
    return _REGISTRY.find(name) is not None or _sinter_name(name) is not None


def _check_name(name: Any) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"decoder={name!r} must be a non-empty decoder name")


def _unknown(name: str, custom_decoders: Mapping[str, Any] | None) -> ValueError:
    custom = f"custom decoders: {', '.join(custom_decoders)}; " if custom_decoders else ""
    return ValueError(
        f"decoder={name!r} is not a known decoder; known decoders: {custom}"
        f"{', '.join(_REGISTRY.names())}; sinter's built-ins: "
        f"{', '.join(k for k in sinter.BUILT_IN_SAMPLERS if _REGISTRY.find(k) is None)}")


def resolve_decoder(name: str, *, custom_decoders: Mapping[str, Any] | None = None) -> Any:
    """The ``sinter.Decoder`` or ``sinter.Sampler`` a decoder name (or spec) stands for.

    A spec ``NAME:KEY=VALUE,...`` is the decoder of ``NAME`` (a name or a published profile)
    with those parameters changed, like a code spec: ``relay-bp:num_sets=300,stop_nconv=1``,
    ``tesseract-long-beam:det_beam=25``. The parameter ``split=xz``, which every decoder of
    detection events takes, makes it a :class:`~qec.decoders.SplitDecoder` that decodes the
    X-type and the Z-type checks apart: ``bposd-bb:split=xz``.

    The order (custom decoders, qec's registry and plugins, leakage-aware samplers, sinter's
    built-ins) is the module's documentation above.

    Args:
        name: a decoder name.
        custom_decoders: name-to-object decoders that come first, as in ``sinter.collect``.

    Returns:
        A ``sinter.Decoder`` (or an object with its methods) or a ``sinter.Sampler``. A decoder
        whose optional dependency is missing is still returned; compiling it (or
        :func:`check_decoder`) raises ``ImportError`` saying what to install.

    Raises:
        ValueError: the name does not resolve; the message lists every known name.

    Examples:
        >>> resolve_decoder("pymatching")
        PyMatchingDecoder(correlated=False)
        >>> type(resolve_decoder("leakage-aware")).__name__
        'LeakageSampler'
        >>> type(resolve_decoder("vacuous")).__name__
        'VacuousDecoder'
        >>> resolve_decoder("pymatching:split=xz")
        SplitDecoder(inner=PyMatchingDecoder(correlated=False))
        >>> resolve_decoder("mwpm")
        Traceback (most recent call last):
        ...
        ValueError: decoder='mwpm' is not a known decoder; known decoders: pymatching, ...
    """
    if custom_decoders and name in custom_decoders:
        return custom_decoders[name]
    if isinstance(name, str) and ":" in name:
        base, parameters = parse_decoder_spec(name)
        split = _pop_split(parameters)
        decoder = resolve_decoder(base, custom_decoders=custom_decoders)
        if parameters:
            decoder = _with_parameters(name, decoder, parameters)
        return decoder if split is None else _split(name, decoder, split)
    canonical = canonical_decoder_name(name, custom_decoders=custom_decoders)
    if canonical in _REGISTRY:
        return _REGISTRY.get(canonical).factory()
    builtin = sinter.BUILT_IN_SAMPLERS[canonical]
    if isinstance(builtin, sinter.Decoder) and canonical != "vacuous":
        return MergedBuiltIn(canonical, builtin)  # see qec.decoders._sinter_builtin
    return builtin


def get_decoder(name_or_decoder: Any) -> Any:
    """Returns the ``sinter.Decoder`` with this name, or passes a decoder object through.

    Like :func:`resolve_decoder`, but for a decoder of detection events only: a sampler name
    (which samples its circuit itself, such as ``leakage-aware``) is an error here.

    Args:
        name_or_decoder: a decoder name or a ``sinter.Decoder``.

    Returns:
        A ``sinter.Decoder``.

    Raises:
        ValueError: the name is not known, or names a sampler rather than a decoder.

    Examples:
        >>> get_decoder("pymatching")
        PyMatchingDecoder(correlated=False)
        >>> get_decoder("leakage-aware")
        Traceback (most recent call last):
        ...
        ValueError: decoder 'leakage-aware' is a sampler: it simulates the circuit itself ...
    """
    if not isinstance(name_or_decoder, str):
        if _is_decoder_like(name_or_decoder) and not isinstance(name_or_decoder, sinter.Sampler):
            return name_or_decoder
        if isinstance(name_or_decoder, sinter.Sampler) and not hasattr(
                name_or_decoder, "compile_decoder_for_dem"):
            raise ValueError(f"{name_or_decoder!r} is a sinter.Sampler, not a decoder of "
                             "detection events")
        _check_name(name_or_decoder)
    decoder = resolve_decoder(name_or_decoder)
    if isinstance(decoder, sinter.Sampler) and not hasattr(decoder, "compile_decoder_for_dem"):
        raise ValueError(
            f"decoder {name_or_decoder!r} is a sampler: it simulates the circuit itself and "
            "cannot decode given detection events; use it with qec.sampling.collect")
    return decoder


def decoder_names() -> tuple[str, ...]:
    """The names of qec's registry decoders (installed or not, plugins included), in order.

    These are what :func:`sinter_decoders` hands to sinter; :func:`resolvable_decoders` also
    lists the samplers and sinter's built-ins.

    Examples:
        >>> decoder_names()[:2]
        ('pymatching', 'pymatching-correlated')
    """
    _load_entry_points()
    return tuple(name for name, entry in _REGISTRY.items() if entry.info.kind == "decoder")


def decoder_infos() -> tuple[DecoderInfo, ...]:
    """A :class:`DecoderInfo` for each of :func:`decoder_names`."""
    return tuple(_REGISTRY.get(name).info for name in decoder_names())


def resolvable_decoders() -> tuple[DecoderInfo, ...]:
    """Every name :func:`resolve_decoder` resolves (without custom decoders), in its order.

    Examples:
        >>> infos = resolvable_decoders()
        >>> [i.name for i in infos if i.source != "qec"][:3]
        ['leakage-aware', 'vacuous', 'fusion_blossom']
    """
    _load_entry_points()
    infos = [entry.info for _, entry in _REGISTRY.items()]
    order = {source: i for i, source in enumerate(SOURCES)}
    infos.sort(key=lambda info: order[info.source])
    for key, sampler in sinter.BUILT_IN_SAMPLERS.items():
        if _REGISTRY.find(key) is None:
            kind = "decoder" if isinstance(sampler, sinter.Decoder) else "sampler"
            described = f"sinter built-in ({type(sampler).__name__})"
            infos.append(DecoderInfo(name=key, description=described, source="sinter",
                                     kind=kind, requires=_SINTER_REQUIRES.get(key, ())))
    return tuple(infos)


def decoder_info(name: str) -> DecoderInfo:
    """The :class:`DecoderInfo` of a decoder name (qec's registry or sinter's built-ins).

    A spec (``NAME:KEY=VALUE,...``) has the information of its ``NAME``.

    Raises:
        ValueError: the name does not resolve.

    Examples:
        >>> decoder_info("Vacuous").source
        'sinter'
        >>> decoder_info("relay-bp:stop_nconv=1").name
        'relay-bp'
    """
    canonical = canonical_decoder_name(name).partition(":")[0]
    for info in resolvable_decoders():
        if info.name == canonical:
            return info
    raise _unknown(name, None)


def sinter_decoders() -> dict[str, sinter.Decoder]:
    """The name-to-decoder dict for ``sinter.collect(custom_decoders=...)``.

    This is also what ``sinter collect --custom_decoders qec.decoders:sinter_decoders`` loads.
    Every decoder of :func:`decoder_names` is included; one whose optional dependency is
    missing raises an ``ImportError`` saying how to install it when sinter compiles it.

    Examples:
        >>> list(sinter_decoders())[:2]
        ['pymatching', 'pymatching-correlated']
    """
    return {name: _REGISTRY.get(name).factory() for name in decoder_names()}


def check_decoder(name_or_decoder: Any, *, dem: stim.DetectorErrorModel) -> None:
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

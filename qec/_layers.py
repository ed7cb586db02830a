"""The layers of the package, bottom to top. A module imports only from its layer and below.

======  ==================  ===============================================================
layer   name                modules
======  ==================  ===============================================================
0       data                ``qec.data`` (tasks, statistics, intervals, estimators, stopping
                            rules), ``qec._validate``, ``qec._registry``, ``qec._errors``,
                            ``qec._child`` (what helper processes do first)
1       noise and codes     ``qec.noise``, ``qec.codes``, ``qec.leakage._tags`` (the leakage
                            vocabulary that circuits write)
2       circuits            ``qec.circuits``
3       decoders            ``qec.decoders``
4       leakage             ``qec.leakage`` (simulation, sampler, herald-aware decoding)
5       sampling and store  ``qec.store``, ``qec.sampling``, ``qec.datasets`` (a device's
                            recorded experiments: formats, layout, learned models, decoding)
6       analysis            ``qec.analysis``
7       plotting            ``qec.plotting``
8       studies             ``qec.studies`` (workflows that sample, analyse and draw)
9       command line        ``qec.cli``, ``qec.__main__``, and the ``qec`` facade itself
======  ==================  ===============================================================

``tests/test_layers.py`` reads every module's imports (those inside functions too) and fails
when one imports a module of a higher layer, or when the imports form a cycle.
"""

from __future__ import annotations

__all__ = ["LAYERS", "layer_of"]

LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("data", ("qec.data", "qec._validate", "qec._registry", "qec._errors", "qec._layers",
              "qec._lazy", "qec._child")),
    ("noise and codes", ("qec.noise", "qec.codes", "qec.leakage._tags")),
    ("circuits", ("qec.circuits",)),
    ("decoders", ("qec.decoders",)),
    ("leakage", ("qec.leakage",)),
    ("sampling and store", ("qec.store", "qec.sampling", "qec.datasets")),
    ("analysis", ("qec.analysis",)),
    ("plotting", ("qec.plotting",)),
    ("studies", ("qec.studies",)),
    ("command line", ("qec.cli", "qec.__main__", "qec")),
)
"""(layer name, module prefixes), bottom first; the longest matching prefix decides."""


def layer_of(module: str) -> int:
    """The layer index of a module of qec (the longest prefix in :data:`LAYERS` decides).

    Raises:
        ValueError: the module is not in any layer.

    Examples:
        >>> layer_of("qec.leakage._tags"), layer_of("qec.leakage._simulator"), layer_of("qec")
        (1, 4, 9)
    """
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[1]):
                best = (index, len(prefix))
    if best is None:
        raise ValueError(f"module {module!r} is in no layer of qec._layers.LAYERS")
    return best[0]

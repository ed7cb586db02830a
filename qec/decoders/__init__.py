"""Decoders behind one interface: every decoder is a ``sinter.Decoder`` in a registry.

Use a name with ``get_decoder`` or ``decode``, or hand ``sinter_decoders()`` to sinter
(``sinter collect --custom_decoders qec.decoders:sinter_decoders``).

Examples:
    >>> import qec.decoders
    >>> qec.decoders.get_decoder("pymatching")
    PyMatchingDecoder(correlated=False)
"""

from qec.decoders._benchmark import (
    DecoderBenchmarkRow,
    benchmark_csv,
    benchmark_decoders,
    benchmark_markdown,
    plot_benchmark,
)
from qec.decoders._decode import decode, pack_detection_events
from qec.decoders._dem import detector_error_model_for_circuit, require_graphlike
from qec.decoders._exact import ExactDecoder, exact_joint_distribution
from qec.decoders._ldpc_family import BeliefMatchingDecoder, BpOsdDecoder
from qec.decoders._matching import PyMatchingDecoder
from qec.decoders._registry import (
    DecoderInfo,
    check_decoder,
    decoder_infos,
    decoder_names,
    get_decoder,
    sinter_decoders,
)
from qec.decoders._union_find import UnionFindDecoder

__all__ = [
    "BeliefMatchingDecoder",
    "BpOsdDecoder",
    "DecoderBenchmarkRow",
    "DecoderInfo",
    "ExactDecoder",
    "PyMatchingDecoder",
    "UnionFindDecoder",
    "benchmark_csv",
    "benchmark_decoders",
    "benchmark_markdown",
    "check_decoder",
    "decode",
    "decoder_infos",
    "decoder_names",
    "detector_error_model_for_circuit",
    "exact_joint_distribution",
    "get_decoder",
    "pack_detection_events",
    "plot_benchmark",
    "require_graphlike",
    "sinter_decoders",
]

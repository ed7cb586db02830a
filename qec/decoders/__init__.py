"""Decoders behind one interface: every decoder is a ``sinter.Decoder`` in a registry.

Use a name with ``resolve_decoder``, ``get_decoder`` or ``decode``, or hand
``sinter_decoders()`` to sinter (``sinter collect --custom_decoders
qec.decoders:sinter_decoders``). :func:`resolve_decoder` is the one place names are resolved
(custom decoders, qec's registry and plugins, leakage-aware samplers, sinter's built-ins);
:func:`register_decoder` and the ``qec.decoders`` entry-point group add decoders from other
packages. Any decoder of detection events decodes the X-type and the Z-type checks of a model
apart with the spec ``NAME:split=xz`` (:class:`SplitDecoder`).

Examples:
    >>> import qec.decoders
    >>> qec.decoders.get_decoder("pymatching")
    PyMatchingDecoder(correlated=False)
"""

from qec.decoders._chromobius import ChromobiusDecoder, require_color_annotations
from qec.decoders._decode import decode, pack_detection_events
from qec.decoders._dem import detector_error_model_for_circuit, require_graphlike
from qec.decoders._exact import ExactDecoder, exact_joint_distribution
from qec.decoders._files import FileDecoder, compile_decoder, relevant_detectors
from qec.decoders._ldpc_family import BeliefMatchingDecoder, BpLsdDecoder, BpOsdDecoder
from qec.decoders._matching import PyMatchingDecoder
from qec.decoders._qldpc import RelayBpDecoder, TesseractDecoder
from qec.decoders._registry import (
    ENTRY_POINT_GROUP,
    DecoderInfo,
    canonical_decoder_name,
    check_decoder,
    decoder_info,
    decoder_infos,
    decoder_is_known,
    decoder_names,
    decoder_parameters,
    get_decoder,
    register_decoder,
    reload_entry_points,
    resolvable_decoders,
    resolve_decoder,
    sinter_decoders,
    unregister_decoder,
)
from qec.decoders._specs import parse_decoder_spec, split_decoder_list
from qec.decoders._split import DemPart, SplitDecoder, split_detector_error_model
from qec.decoders._union_find import UnionFindDecoder

__all__ = [
    "ENTRY_POINT_GROUP",
    "BeliefMatchingDecoder",
    "BpLsdDecoder",
    "BpOsdDecoder",
    "ChromobiusDecoder",
    "DecoderInfo",
    "DemPart",
    "ExactDecoder",
    "FileDecoder",
    "PyMatchingDecoder",
    "RelayBpDecoder",
    "SplitDecoder",
    "TesseractDecoder",
    "UnionFindDecoder",
    "canonical_decoder_name",
    "check_decoder",
    "compile_decoder",
    "decode",
    "decoder_info",
    "decoder_infos",
    "decoder_is_known",
    "decoder_names",
    "decoder_parameters",
    "detector_error_model_for_circuit",
    "exact_joint_distribution",
    "get_decoder",
    "pack_detection_events",
    "parse_decoder_spec",
    "register_decoder",
    "relevant_detectors",
    "reload_entry_points",
    "require_color_annotations",
    "require_graphlike",
    "resolvable_decoders",
    "resolve_decoder",
    "sinter_decoders",
    "split_decoder_list",
    "split_detector_error_model",
    "unregister_decoder",
]

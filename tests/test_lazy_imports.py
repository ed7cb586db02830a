import subprocess
import sys

import qec


def test_import_qec_and_the_cli_parser_do_not_load_the_decoders():
    # `qec --help` and `qec circuit` start quickly: PyMatching and the leakage simulator load
    # only when something uses them (a test of what is imported, not of time).
    code = ("import sys, qec; from qec.cli._main import build_parser; build_parser(); "
            "qec.memory_circuit; print(sorted(m for m in ('pymatching', 'qec.leakage._sampler', "
            "'qec.leakage._simulator') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_lazy_attributes_load_on_first_use():
    assert qec.decoders.decode.__module__ == "qec.decoders._decode"
    assert qec.leakage.LeakageSampler.__module__ == "qec.leakage._sampler"
    assert {"decoders", "leakage"} <= set(dir(qec))
    from qec.leakage import HERALD_DECODER, sample_leakage

    assert callable(sample_leakage) and HERALD_DECODER == "leakage-aware"

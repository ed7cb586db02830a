"""The authors' decoding matrices against qec's split models, and their decoder on our shots.

Runs the authors' ``decoder_setup.py`` (sbravyi/BivariateBicycleCodes; give its checkout or
git directory, e.g. the one ``fetch github:sbravyi/BivariateBicycleCodes`` makes) for the
[[72,12,6]] code, N_c = 6, SD6 p = 0.4%, with three edits made in memory: that code, cycles and
rate chosen, its output written to a temporary folder, and ``bposd.css.css_code`` (not installed
here) replaced by qec's logical operators (the same matrices A, B; any basis of logicals gives
the same failures). Then it compares, column by column, the authors' X decoder (their
``HX``: syndrome history of the Z checks and the Z logicals, one column per distinct effect of
one X-type fault, with its probability) with qec's Z part of the authors'-boundary circuit
(:func:`qec.decoders.split_detector_error_model`), and their Z decoder with qec's X part; and
decodes the same sampled shots with both: qec's ``bposd-bb:split=xz`` and the authors' legacy
``ldpc.bposd_decoder`` on their matrices with their settings (the return value of ``decode``,
see shared/REFERENCE.md on ldpc 2.x).

Run: PYTHONPATH=. .venv/bin/python experiments/bb_authors_matrices.py \\
         --authors /work/.mirror/sbravyi+BivariateBicycleCodes/repo --shots 600
(about 35 s for their setup and 110 ms a shot for the two decoders, on one core)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import pathlib
import subprocess
import tempfile

import numpy as np

from qec import NoiseModel, memory_circuit
from qec.codes import BivariateBicycleCode
from qec.decoders import detector_error_model_for_circuit, get_decoder, split_detector_error_model
from qec.decoders._dem import error_targets

P, CYCLES = 0.004, 6
STUB = '''
class css_code:  # qec's logicals of the same code, for bposd.css.css_code
    def __init__(self, hx, hz):
        from qec.codes import BivariateBicycleCode
        code = BivariateBicycleCode.published(72)
        assert (code.x_check_matrix == hx).all() and (code.z_check_matrix == hz).all()
        self.lx, self.lz = (np.array([[int(q in support) for q in code.data_qubits]
                                      for support in supports], dtype=int)
                            for supports in (code.logical_xs, code.logical_zs))
    def test(self):
        pass
'''


def authors_setup(repository: pathlib.Path, folder: str) -> dict:
    """Runs their decoder_setup.py with the edits of the docstring; returns its variables."""
    path = repository / "decoder_setup.py"
    source = path.read_text() if path.exists() else subprocess.run(
        ["git", "--git-dir", str(repository), "show", "HEAD:decoder_setup.py"],
        check=True, capture_output=True, text=True).stdout
    edits = [("from bposd.css import css_code\n", STUB),
             ("error_rate = 0.003", f"error_rate = {P}"),
             ("num_cycles = 12", f"num_cycles = {CYCLES}"),
             ("# [[144,12,12]]\nell,m = 12,6", "# [[72,12,6]]\nell,m = 6,6"),
             ("title='./TMP/mydata_'", f"title='{folder}/mydata_'")]
    for old, new in edits:
        if old not in source:
            raise SystemExit(f"decoder_setup.py has changed: {old!r} is not in it")
        source = source.replace(old, new, 1)
    variables: dict = {"__name__": "decoder_setup"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, str(path), "exec"), variables)
    return variables


def columns(matrix, probabilities, rows: int) -> dict:
    """(syndrome rows, logical rows) -> summed probability, for the authors' matrices."""
    matrix, found = matrix.tocsc(), {}
    for j in range(matrix.shape[1]):
        support = matrix.indices[matrix.indptr[j]:matrix.indptr[j + 1]]
        key = (frozenset(int(r) for r in support if r < rows),
               frozenset(int(r) - rows for r in support if r >= rows))
        if key[0]:
            found[key] = found.get(key, 0.0) + probabilities[j]
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authors", type=pathlib.Path, required=True)
    parser.add_argument("--shots", type=int, default=600)
    parser.add_argument("--seed", type=int, default=99)
    args = parser.parse_args()
    from ldpc import bposd_decoder  # the legacy interface the authors call

    with tempfile.TemporaryDirectory() as folder:
        theirs = authors_setup(args.authors, folder)
    circuit = memory_circuit(BivariateBicycleCode.published(72), rounds=CYCLES, basis="Z",
                             noise=NoiseModel.sd6(P), boundary="authors")
    dem = detector_error_model_for_circuit(circuit)
    x_part, z_part = split_detector_error_model(dem)
    pairs = (("X decoder", "X", z_part), ("Z decoder", "Z", x_part))
    for name, kind, part in pairs:
        rows = theirs[f"first_logical_row{kind}"]
        expected = columns(theirs[f"H{kind}"], theirs[f"channel_probs{kind}"], rows)
        ours = {}
        for error in part.dem.flattened():
            if error.type == "error":
                ours[error_targets(error)] = error.args_copy()[0]
        same = expected.keys() & ours.keys()
        ratios = [ours[key] / expected[key] for key in same]
        print(f"their {name}: {len(expected)} columns; qec's {part.basis} part: {len(ours)} "
              f"errors; the same {len(same)}, only theirs {len(expected.keys() - same)}, only "
              f"qec's {len(ours.keys() - same)}; probability qec/theirs in "
              f"[{min(ratios):.4f}, {max(ratios):.4f}]")
    dets, obs = circuit.compile_detector_sampler(seed=args.seed).sample(
        args.shots, separate_observables=True, bit_packed=True)
    events = np.unpackbits(dets, axis=1, count=dem.num_detectors, bitorder="little")
    flips = np.unpackbits(obs, axis=1, count=dem.num_observables, bitorder="little")
    ours = np.unpackbits(get_decoder("bposd-bb:split=xz").compile_decoder_for_dem(dem=dem)
                         .decode_shots_bit_packed(bit_packed_detection_event_data=dets),
                         axis=1, count=dem.num_observables, bitorder="little")
    guessed = np.zeros_like(flips)
    for _, kind, part in pairs:
        decoder = bposd_decoder(theirs[f"Hdec{kind}"], channel_probs=theirs[f"channel_probs{kind}"],
                                max_iter=10000, bp_method="ms", ms_scaling_factor=0,
                                osd_method="osd_cs", osd_order=7)
        matrix, first = theirs[f"H{kind}"].tocsr(), theirs[f"first_logical_row{kind}"]
        for shot in range(args.shots):
            error = decoder.decode(events[shot, list(part.detectors)])
            guessed[shot, list(part.observables)] = ((matrix @ error) % 2)[first:first + 12]
    wrong_ours, wrong_theirs = (np.any(x != flips, axis=1) for x in (ours, guessed))
    print(f"{args.shots} shots (seed {args.seed}): qec bposd-bb:split=xz fails "
          f"{int(wrong_ours.sum())}, the authors' decoder on their matrices "
          f"{int(wrong_theirs.sum())}; only qec's wrong {int(np.sum(wrong_ours & ~wrong_theirs))}, "
          f"only theirs {int(np.sum(wrong_theirs & ~wrong_ours))}; the same 24 predictions on "
          f"{int(np.all(ours == guessed, axis=1).sum())} shots")


if __name__ == "__main__":
    main()

"""Bravyi et al.'s own simulation run as a reference point, with only its parameters changed.

Runs the authors' ``decoder_setup.py`` and ``decoder_run.py`` (sbravyi/BivariateBicycleCodes;
give its checkout or the git directory ``fetch github:sbravyi/BivariateBicycleCodes`` makes) in
a scratch folder, with the code, the error rate, the cycle count and the trial count edited in
their text and nothing else, under a Python that has the packages they import (``ldpc`` 0.1.x,
the paper's era, and ``bposd`` for ``bposd.css``; they are not qec's dependencies, so give that
interpreter with ``--python``). Their sampling is unseeded (``np.random``), so a re-run gives
other trials. Prints their count of failed trials (a trial fails unless the X and the Z part of
one noisy sample both get all k logicals right) with a 95% likelihood-ratio binomial interval
and the error per cycle ``1 - (1 - P)^(1/N_c)``.

Run (about 25 minutes of setup and 2-5 s a trial for the gross code at p = 0.5%):
    python3 -m venv /tmp/authors-venv && /tmp/authors-venv/bin/pip install ldpc==0.1.60 bposd
    PYTHONPATH=. .venv/bin/python experiments/bb_authors_reference.py \\
        --authors /work/.mirror/sbravyi+BivariateBicycleCodes/repo \\
        --python /tmp/authors-venv/bin/python --code 144 --p 0.005 --cycles 12 --trials 400
"""

from __future__ import annotations

import argparse
import pathlib
import subprocess
import tempfile
import time

from qec.data import binomial_interval

#: n -> (k, d, the lines of decoder_setup.py that choose the code)
CODES = {
    72: (12, 6, "ell,m = 6,6\na1,a2,a3 = 3,1,2\nb1,b2,b3 = 3,1,2"),
    90: (8, 10, "ell,m = 15,3\na1,a2,a3 = 9,1,2\nb1,b2,b3 = 0,2,7"),
    144: (12, 12, "ell,m = 12,6\na1,a2,a3 = 3,1,2\nb1,b2,b3 = 3,1,2"),
}
GROSS = "# [[144,12,12]]\nell,m = 12,6\na1,a2,a3 = 3,1,2\nb1,b2,b3 = 3,1,2"


def source(repository: pathlib.Path, name: str) -> str:
    """One of the authors' files, from a checkout or a bare git directory."""
    path = repository / name
    if path.exists():
        return path.read_text()
    return subprocess.run(["git", "--git-dir", str(repository), "show", f"HEAD:{name}"],
                          check=True, capture_output=True, text=True).stdout


def edited(text: str, edits: list[tuple[str, str]], name: str) -> str:
    """``text`` with each ``old`` replaced once by ``new``; refuses a file that has changed."""
    for old, new in edits:
        if old not in text:
            raise SystemExit(f"{name} has changed: {old!r} is not in it")
        text = text.replace(old, new, 1)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--authors", type=pathlib.Path, required=True)
    parser.add_argument("--python", required=True, help="an interpreter with ldpc and bposd")
    parser.add_argument("--code", type=int, choices=sorted(CODES), required=True)
    parser.add_argument("--p", type=float, required=True)
    parser.add_argument("--cycles", type=int, required=True)
    parser.add_argument("--trials", type=int, required=True)
    args = parser.parse_args()
    k, d, choice = CODES[args.code]
    with tempfile.TemporaryDirectory() as folder:
        work = pathlib.Path(folder)
        (work / "TMP").mkdir()
        (work / f"CODE_{args.code}_{k}_{d}").mkdir()
        setup = edited(source(args.authors, "decoder_setup.py"), [
            ("error_rate = 0.003", f"error_rate = {args.p}"),
            ("num_cycles = 12", f"num_cycles = {args.cycles}"),
            (GROSS, f"# [[{args.code},{k},{d}]]\n{choice}")], "decoder_setup.py")
        run = edited(source(args.authors, "decoder_run.py"), [
            ("num_trials = 50000", f"num_trials = {args.trials}"),
            ("error_rate = 0.003", f"error_rate = {args.p}"),
            ("n = 144\nk = 12\nd = 12\nnum_cycles = 12",
             f"n = {args.code}\nk = {k}\nd = {d}\nnum_cycles = {args.cycles}")], "decoder_run.py")
        (work / "decoder_setup.py").write_text(setup)
        (work / "decoder_run.py").write_text(run)
        start = time.perf_counter()
        subprocess.run([args.python, "decoder_setup.py"], cwd=work, check=True,
                       stdout=subprocess.DEVNULL)
        set_up = time.perf_counter() - start
        print(f"their setup: {set_up:.0f} s", flush=True)
        last = ""
        with subprocess.Popen([args.python, "decoder_run.py"], cwd=work, text=True,
                              stdout=subprocess.PIPE) as process:
            for line in process.stdout:
                last = line.strip()
                fields = last.split("\t")
                if len(fields) == 4 and int(fields[2]) % 50 == 0:
                    print(f"  trial {fields[2]}: {fields[3]} failed", flush=True)
        if process.returncode:
            raise SystemExit(f"decoder_run.py exited with {process.returncode}")
        result = (work / f"CODE_{args.code}_{k}_{d}" / "result").read_text().split()
    p, cycles, trials, failed = float(result[0]), int(result[1]), int(result[2]), int(result[3])
    seconds = time.perf_counter() - start - set_up
    i = binomial_interval(errors=failed, shots=trials)
    per_cycle = [1 - (1 - v) ** (1 / cycles) for v in (i.estimate, i.low, i.high)]
    print(f"| [[{args.code},{k},{d}]] | {p} | {cycles} | authors' code | {failed}/{trials} | "
          f"{i.estimate:.4f} [{i.low:.4f}, {i.high:.4f}] | {per_cycle[0]:.2e} "
          f"[{per_cycle[1]:.2e}, {per_cycle[2]:.2e}] | {seconds / trials:.2f} s/trial |")


if __name__ == "__main__":
    main()

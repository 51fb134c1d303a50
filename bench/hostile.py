#!/usr/bin/python3
"""Loading hostile repositories (a script, not a test: CI does not run it).

Builds each repository as git objects (tests/e2e/gitpack.py), then times
`ecsctl validate --repo R` on it (median wall time of --runs runs; the exit
status, or the signal that killed it):

  repeat   100 paths naming one 4 MiB blob (a TaskDefinition, 70,000 env entries)
  distinct 100 different 4 MiB blobs (400 MiB to parse)
  deep     one file under 75,000 nested folders
  wide     one folder of 200,000 files

Builds nothing: uses build/bin (or --bin DIR, e.g. an older build for the
"before" column). Prints a Markdown table.

    /usr/bin/python3 bench/hostile.py
    /usr/bin/python3 bench/hostile.py --bin /tmp/main/build/bin --runs 1
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))
import gitpack  # noqa: E402

SIZE = 4 << 20


def big_taskdef(tag):
    head = b"kind: TaskDefinition\nfamily: big%s\ncontainerDefinitions:\n" % tag
    head += b"  - name: app\n    image: nginx\n    memory: 512\n    environment:\n"
    lines, n = [head], len(head)
    i = 0
    while True:
        line = b"      - {name: V%06d, value: '%s'}\n" % (i, b"x" * 24)
        if n + len(line) > SIZE:
            break
        lines.append(line)
        n += len(line)
        i += 1
    return b"".join(lines)


def repeat(pack):
    blob = pack.add(b"blob", big_taskdef(b""))
    return pack.tree([(b"100644", b"f%03d.yaml" % i, blob) for i in range(100)])


def distinct(pack):
    return pack.tree([(b"100644", b"f%03d.yaml" % i, pack.add(b"blob", big_taskdef(b"%d" % i)))
                      for i in range(100)])


def deep(pack):
    return gitpack.nested(pack, 75000)


def wide(pack):
    blob = pack.add(b"blob", b"# empty\n")
    return pack.tree([(b"100644", b"f%06d.txt" % i, blob) for i in range(200000)])


CASES = [("repeat", repeat), ("distinct", distinct), ("deep", deep), ("wide", wide)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    ecsctl = os.path.join(args.bin, "ecsctl")
    print("| case | exit | wall (median of %d) | first line of stderr |" % args.runs)
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="ecsctl-hostile-") as root:
        for name, build in CASES:
            repo = gitpack.make_repo(os.path.join(root, name), build)
            times, rc, first = [], None, ""
            for _ in range(args.runs):
                t = time.monotonic()
                p = subprocess.run([ecsctl, "validate", "--repo", repo], capture_output=True,
                                   text=True, timeout=args.timeout)
                times.append(time.monotonic() - t)
                rc = p.returncode
                first = (p.stderr.splitlines() or [""])[0].replace(repo, "R")
            shown = "SIG%d" % -rc if rc < 0 else str(rc)
            print("| %s | %s | %.2f s | %s |" % (name, shown, statistics.median(times),
                                               first[:110]))
            sys.stdout.flush()


if __name__ == "__main__":
    main()

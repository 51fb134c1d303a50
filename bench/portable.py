"""Size and start-up time of ecsctl as it ships (docs/install.md): the normal
build (shared Debian libraries), the .deb, the portable binary (static but for
glibc) and the OCI image, with the same commit. Start-up is the median wall
time of N runs of `ecsctl --version` (the loader and the libraries'
constructors only) and of `ecsctl validate` on examples/ (loading git, YAML
and the schema: a command's real start), each run a fresh process.

    sh scripts/build.sh build && sh scripts/package.sh   # builds dist/
    /usr/bin/python3 bench/portable.py [--runs N]
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

SRC = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def median_ms(cmd, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def stripped_size(path):
    with tempfile.NamedTemporaryFile() as f:
        subprocess.run(["strip", "-o", f.name, path], check=True)
        return os.path.getsize(f.name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    dist = os.path.join(SRC, "dist")
    normal = os.path.join(SRC, "build", "bin", "ecsctl")
    portable = glob.glob(os.path.join(dist, "ecsctl-*-linux-x86_64"))
    deb = glob.glob(os.path.join(dist, "ecsctl_*.deb"))
    image = glob.glob(os.path.join(dist, "ecsctl-*-image.tar"))
    if not (os.path.exists(normal) and portable and deb and image):
        sys.exit("bench/portable.py: build/ and dist/ first (scripts/package.sh)")
    portable, deb, image = portable[0], deb[0], image[0]

    print("| artifact | size |")
    print("|---|---|")
    print("| ecsctl, normal build, stripped (+ 6 shared libraries from Debian) | %.1f MB |"
          % (stripped_size(normal) / 1e6))
    print("| .deb (ecsctl + ecs-local + manual pages + completions) | %.2f MB |"
          % (os.path.getsize(deb) / 1e6))
    print("| ecsctl, portable, stripped | %.1f MB |" % (os.path.getsize(portable) / 1e6))
    print("| OCI image archive (one gzip layer) | %.1f MB |" % (os.path.getsize(image) / 1e6))
    print()
    print("| start-up, median of %d runs | normal | portable |" % args.runs)
    print("|---|---|---|")
    validate = ["validate", "--repo", SRC, "--path", "examples", "--env", "staging",
                "--worktree"]
    for label, argv in (("`ecsctl --version`", ["--version"]),
                        ("`ecsctl validate` (examples/, staging)", validate)):
        a = median_ms([normal] + argv, args.runs)
        b = median_ms([portable] + argv, args.runs)
        print("| %s | %.1f ms | %.1f ms |" % (label, a, b))


if __name__ == "__main__":
    main()

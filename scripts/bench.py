#!/usr/bin/env python3
"""Measures the targets of the product reference on this machine, side by side in one run.

- engine: `cargo bench --bench engine` evaluates 1,000 to 20,000 rules with 100-point
  histories; the per-rule time at 10,000 against 1,000 says how linear it is;
- memory: peak RSS of `kpiwatch run` (release build) on 10,000 metrics and 1,000 rules,
  against the same binary running 1 rule on 10 metrics;
- zip: the size of the arm64 Lambda zip, if `cargo lambda build --release --arm64
  --output-format zip` has been run (scripts/test.sh does).

Usage: scripts/bench.py            (from the repository root or anywhere)
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
MIB = 1024 * 1024


def run(args, **kwargs):
    return subprocess.run(args, cwd=ROOT, check=True, **kwargs)


def engine():
    print("== engine: one evaluation, 100-point histories (cargo bench --bench engine)")
    out = run(["cargo", "bench", "--quiet", "--bench", "engine"], capture_output=True, text=True)
    print(out.stdout.rstrip())
    per_rule = {}
    for line in out.stdout.splitlines():
        words = line.replace(",", "").split()
        if len(words) > 2 and words[0] == "engine:":
            per_rule[int(words[1])] = float(words[-4])
    if 1000 in per_rule and 10000 in per_rule:
        print(f"   per-rule time at 10,000 rules / at 1,000 rules: "
              f"{per_rule[10000] / per_rule[1000]:.2f} (1.00 is perfectly linear)")


def workload(folder, metrics, rules):
    groups = {}
    for i in range(metrics):
        groups.setdefault(f"group{i // 100}", {})[f"m{i % 100}"] = float(i % 97)
    (folder / "metrics.json").write_text(json.dumps(groups))
    lines = ["sources:", "  - id: api", "    file: { path: metrics.json }", "rules:"]
    for i in range(rules):
        name = f"group{(i % metrics) // 100}.m{i % 100}"
        if i % 4 == 3:
            value = f"    expr: {name} / (group0.m1 + 1)"
        else:
            value = f"    metric: {name}"
        lines += [f"  - id: rule-{i}", value, '    warning: "> 50"', '    critical: "> 90"',
                  "    for: 2 of 3", "    labels: { team: bench }"]
    (folder / "kpiwatch.yaml").write_text("\n".join(lines) + "\n")


def peak_rss(binary, folder, runs):
    """Peak RSS, in bytes, of the largest of `runs` successive cycles, read by GNU time.

    Not os.wait4 from here: a child forked or vforked from this Python starts out sharing
    its pages, and Linux counts them in the child's ru_maxrss. GNU time is a small process,
    so what it reads is the binary's own.
    """
    peak = 0
    for step in range(runs):
        at = f"2026-12-03T10:{5 * step:02d}:00Z"
        out = subprocess.run(
            ["/usr/bin/time", "-f", "%M", binary, "run", "--config", "kpiwatch.yaml",
             "--at", at, "--output", "json"],
            cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
        peak = max(peak, int(out.stderr.strip().splitlines()[-1]) * 1024)
    return peak


def memory():
    if not os.path.exists("/usr/bin/time"):
        print("== memory: skipped, GNU time is not installed (apt-get install time)")
        return
    print("== memory: peak RSS of `kpiwatch run`, release build, 3 successive runs each")
    run(["cargo", "build", "--quiet", "--release", "--bin", "kpiwatch"])
    binary = str(ROOT / "target" / "release" / "kpiwatch")
    with tempfile.TemporaryDirectory() as big, tempfile.TemporaryDirectory() as small:
        workload(pathlib.Path(big), 10_000, 1_000)
        workload(pathlib.Path(small), 10, 1)
        large = peak_rss(binary, big, 3)
        tiny = peak_rss(binary, small, 3)
    print(f"   10,000 metrics, 1,000 rules: {large / MIB:.1f} MiB (target: under 40 MB)")
    print(f"   10 metrics, 1 rule:          {tiny / MIB:.1f} MiB")
    print(f"   ratio: {large / tiny:.2f}")


def zip_size():
    print("== arm64 Lambda zip")
    path = ROOT / "target" / "lambda" / "bootstrap" / "bootstrap.zip"
    if path.exists():
        print(f"   {path.relative_to(ROOT)}: {path.stat().st_size / MIB:.2f} MiB (target: under 8 MB)")
    else:
        print("   not built: run `cargo lambda build --release --arm64 --bin bootstrap "
              "--output-format zip` first")


if __name__ == "__main__":
    engine()
    memory()
    zip_size()

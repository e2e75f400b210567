#!/usr/bin/env python3
"""Measures the targets of the product reference on this machine, side by side in one run.

- engine: `cargo bench --bench engine` evaluates 1,000 to 20,000 rules with 100-point
  histories; per-rule times at 10,000 against 1,000 and at 20,000 against 10,000 say how
  linear it is;
- memory: peak RSS of `kpiwatch run` (release build) on 10,000 metrics and 1,000 rules,
  against the same binary running 1 rule on 10 metrics;
- start-up: how long the release `bootstrap` takes from exec to its first request for an
  event, against the minimal `lambda_runtime` function of `examples/minimal_lambda.rs`
  built the same way, alternating runs, both against a Runtime API stub on loopback;
- zip: the size of the arm64 Lambda zip, if `cargo lambda build --release --arm64
  --output-format zip` has been run (scripts/test.sh does).

Usage: scripts/bench.py            (from the repository root or anywhere)
"""

import http.server
import json
import os
import statistics
import threading
import time
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
    # Two ratios, since they say different things: from 1,000 to 10,000 rules the histories
    # (about 4 KB a rule) outgrow the CPU's caches; from 10,000 to 20,000 both are in memory.
    for small, large in [(1000, 10000), (10000, 20000)]:
        if small in per_rule and large in per_rule:
            print(f"   per-rule time at {large:,} rules / at {small:,} rules: "
                  f"{per_rule[large] / per_rule[small]:.2f} (1.00 is perfectly linear)")


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


class FirstPoll(http.server.BaseHTTPRequestHandler):
    """A Runtime API stub that only notes when a function first asks for an event. It
    never answers that request: the function is killed once it is measured."""

    polled = threading.Event()

    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next"):
            FirstPoll.polled.set()
            time.sleep(5)

    def log_message(self, *args):
        pass


def time_to_first_poll(binary, port, extra_env):
    env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}",
               AWS_LAMBDA_FUNCTION_NAME="bench", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
               AWS_LAMBDA_FUNCTION_VERSION="$LATEST", AWS_REGION="us-east-1", **extra_env)
    FirstPoll.polled.clear()
    started = time.monotonic()
    process = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    if not FirstPoll.polled.wait(timeout=10):
        process.kill()
        sys.exit(f"{binary} never asked for an event")
    elapsed = time.monotonic() - started
    process.kill()
    process.wait()
    return elapsed


def startup(runs=20):
    print(f"== start-up: exec to first event request, release builds, {runs} runs each")
    run(["cargo", "build", "--quiet", "--release", "--bin", "bootstrap",
         "--example", "minimal_lambda"])
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FirstPoll)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    kpiwatch = str(ROOT / "target" / "release" / "bootstrap")
    minimal = str(ROOT / "target" / "release" / "examples" / "minimal_lambda")
    kpiwatch_env = {"KPIWATCH_TABLE": "kpiwatch",
                    "KPIWATCH_TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:kpiwatch"}
    ours, theirs = [], []
    for _ in range(runs):
        ours.append(time_to_first_poll(kpiwatch, port, kpiwatch_env))
        theirs.append(time_to_first_poll(minimal, port, {}))
    server.shutdown()
    ours_ms, theirs_ms = statistics.median(ours) * 1000, statistics.median(theirs) * 1000
    print(f"   bootstrap:      median {ours_ms:6.2f} ms")
    print(f"   minimal_lambda: median {theirs_ms:6.2f} ms")
    print(f"   ratio: {ours_ms / theirs_ms:.2f} (target: at most 1.5)")


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
    startup()
    zip_size()

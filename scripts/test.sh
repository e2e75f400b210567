#!/usr/bin/env bash
# The whole test suite, as CI runs it, from a fresh clone with only the Rust toolchain and
# Python 3 installed:
#
#   1. installs the Python tools of infra/requirements.txt into .venv (once; again when the
#      file changes): moto server, cfn-lint, checkov, cargo-lambda;
#   2. checks formatting and clippy, the fuzz targets included;
#   3. starts moto server on a free loopback port, runs every Rust test against it, and
#      stops it on exit, whatever happened;
#   4. lints template.yaml with cfn-lint and checkov;
#   5. builds the arm64 Lambda zip with cargo-lambda and prints its size.
#
# SKIP_LAMBDA_BUILD=1 leaves out step 5, which is a several-minute release build.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="$root/.venv"

step() { printf '\n==> %s\n' "$*"; }

step "Python tools (infra/requirements.txt) into .venv"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum infra/requirements.txt | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r infra/requirements.txt
    echo "$wanted" >"$stamp"
else
    echo "up to date"
fi
export PATH="$venv/bin:$PATH"

step "cargo fmt --check"
cargo fmt --all -- --check
cargo fmt --manifest-path fuzz/Cargo.toml -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

step "fuzz targets: clippy (they compile; fuzzing itself is fuzz/README.md)"
# The main target folder, so that the dependencies checked by the step above are reused.
CARGO_TARGET_DIR="$root/target" cargo clippy --locked --manifest-path fuzz/Cargo.toml --bins \
    -- -D warnings

step "moto server"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export MOTO_VENV="$venv" MOTO_PORT="$port"
trap 'scripts/moto.sh stop' EXIT
scripts/moto.sh start
eval "$(scripts/moto.sh env)"
# The tests give the SDK its region and keys; nothing may fall back to the EC2 metadata
# endpoint, which is not on this machine.
export AWS_EC2_METADATA_DISABLED=true

step "cargo test"
cargo test --locked

step "template.yaml: cfn-lint and checkov"
infra/lint-template.sh

if [ "${SKIP_LAMBDA_BUILD:-0}" != 1 ]; then
    step "cargo lambda build --release --arm64"
    cargo lambda build --release --arm64 --bin bootstrap --output-format zip
    zip="target/lambda/bootstrap/bootstrap.zip"
    echo "$zip: $(stat -c %s "$zip") bytes"
fi

step "all checks passed"

#!/usr/bin/env bash
# Runs every test of discrw on a fresh machine that has only a Rust toolchain:
#   1. installs the peer tools the tests compare against (Debian packages),
#   2. cargo fmt --check, cargo clippy -D warnings,
#   3. cargo test (unit tests, CLI tests on the emulated drive, ISO interop with isoinfo,
#      xorriso, 7z, genisoimage, mkudffs; mapfile checked by ddrescuelog),
#   4. README's demo (tests/demo.sh): iso create → burn → verify → rip on the emulated drive,
#   5. the real-kernel scenarios in hw-tests/ (QEMU + tgt), unless DISCRW_SKIP_HW=1.
# A missing tool is a failure, never a silent pass.
# Every process a test starts is killed after DISCRW_TEST_TIMEOUT_SECS (default 300) seconds,
# failing its test (tests/common/run.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "run-all: need root (or sudo) to install: $*" >&2; return 1; fi
}

mapfile -t pkgs < <(grep -hv '^\s*#' tests/packages.txt | awk 'NF{print $1}')
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "run-all: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo fmt --check
cargo clippy --release --all-targets -- -D warnings
cargo test --release
bash tests/demo.sh   # README command (a): the main job on the emulated drive, end to end

if [ "${DISCRW_SKIP_HW:-0}" = 1 ]; then
  echo "run-all: DISCRW_SKIP_HW=1: real-kernel scenarios NOT run" >&2
else
  bash hw-tests/run
fi

#!/usr/bin/env bash
# Benchmark of `discrw rip` from the emulated drive, beside `dd bs=64k | sha256sum` of the
# same image in the same run (see docs/benchmarks.md). Prints figures and ratios; asserts
# nothing about time.
#
#   bash bench/rip.sh [GIB]            # image size in GiB (default 2; raw uses the same)
#   BENCH_DIR=/dev/shm bash bench/rip.sh   # where the image, medium and rips go
#
# Cases:
#   cooked   DVD-ROM holding GIB GiB, READ(10/12) of 2048-byte sectors + SHA-256
#   raw      CD-ROM holding the same, READ CD 2352-byte sectors, EDC/ECC checked, + SHA-256
#   cooked/2 half the size, to show that peak RSS does not grow with the image
#   dd       dd if=IMAGE bs=64k | sha256sum (read + hash floor of the same data)
set -euo pipefail
cd "$(dirname "$0")/.."

GIB=${1:-2}
command -v /usr/bin/time >/dev/null || { echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
cargo build --release -q
BIN=$PWD/target/release/discrw
DIR=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/discrw-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
FS=$(stat -f -c %T "$DIR")

# A sparse-fast, not all-zero image: 1 MiB of random data repeated, so hashing and the ECC
# see real data while creating it costs one pass of cp. Sizes are whole MiB.
mk_image() { # PATH MIB
  head -c 1048576 /dev/urandom > "$DIR/chunk"
  : > "$1"
  local i
  for ((i = 0; i < $2; i++)); do cat "$DIR/chunk"; done > "$1"
}

# Run a command under /usr/bin/time -v; prints "wall user sys maxrss_kib".
measure() {
  local log=$DIR/time.log
  /usr/bin/time -v -o "$log" "$@" > "$DIR/out.log" 2>&1 || {
    echo "bench: $* failed:" >&2; tail -5 "$DIR/out.log" >&2; exit 1; }
  awk -F': ' '
    /Elapsed \(wall clock\)/ { n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i] }
    /User time/ { u = $2 } /System time/ { s = $2 } /Maximum resident/ { r = $2 }
    END { printf "%.3f %.2f %.2f %d\n", w, u, s, r }' "$log"
}

row() { # NAME BYTES "wall user sys rss"
  local name=$1 bytes=$2; set -- $3
  awk -v n="$name" -v b="$bytes" -v w="$1" -v u="$2" -v s="$3" -v r="$4" 'BEGIN {
    printf "%-10s %8.0f MB/s  %6.2f s wall  %6.2f s CPU (%5.2f user + %5.2f sys)  %7.1f MiB peak RSS\n",
      n, b / w / 1e6, w, u + s, u, s, r / 1024 }'
  echo "$1" > "$DIR/$name.wall"
}

MIB=$((GIB * 1024))
IMG=$DIR/image.iso
mk_image "$IMG" "$MIB"
HALF=$DIR/half.iso
mk_image "$HALF" $((MIB / 2))
BYTES=$(stat -c %s "$IMG")
SECTORS=$((BYTES / 2048))

"$BIN" virtual create "$DIR/dvd.vdisc" --media dvd-rom --from "$IMG" > /dev/null
"$BIN" virtual create "$DIR/half.vdisc" --media dvd-rom --from "$HALF" > /dev/null
"$BIN" virtual create "$DIR/cd.vdisc" --media cd-rom --from "$IMG" > /dev/null
sync

echo "discrw rip benchmark: $GIB GiB image ($SECTORS sectors), files on $FS ($DIR), $(nproc) CPUs"
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# Warm the page cache the same way for everyone: each case reads files already cached.
cat "$IMG" "$DIR/dvd.vdisc" "$DIR/cd.vdisc" > /dev/null

DD=$(measure bash -c "dd if='$IMG' bs=64k status=none | sha256sum")
row dd "$BYTES" "$DD"
COOKED=$(measure "$BIN" -d "virtual:$DIR/dvd.vdisc" rip "$DIR/cooked.iso")
row cooked "$BYTES" "$COOKED"
cmp -s "$IMG" "$DIR/cooked.iso" || { echo "bench: cooked rip differs from the image" >&2; exit 1; }
rm -f "$DIR/cooked.iso"
RAW=$(measure "$BIN" -d "virtual:$DIR/cd.vdisc" rip --raw "$DIR/raw.bin")
row raw "$BYTES" "$RAW"
grep -q "complete" "$DIR/out.log" || { echo "bench: raw rip incomplete" >&2; cat "$DIR/out.log" >&2; exit 1; }
rm -f "$DIR/raw.bin"
HALFR=$(measure "$BIN" -d "virtual:$DIR/half.vdisc" rip "$DIR/half-out.iso")
row cooked/2 $((BYTES / 2)) "$HALFR"
rm -f "$DIR/half-out.iso"

echo
awk -v dd="$(cat "$DIR/dd.wall")" -v c="$(cat "$DIR/cooked.wall")" -v r="$(cat "$DIR/raw.wall")" \
    -v b="$BYTES" -v c_rss="$(echo "$COOKED" | cut -d' ' -f4)" -v h_rss="$(echo "$HALFR" | cut -d' ' -f4)" 'BEGIN {
  printf "cooked / dd speed:  %.2f   (cooked %.0f MB/s, target >= 1500)\n", dd / c, b / c / 1e6
  printf "raw    / dd speed:  %.2f   (raw %.0f MB/s of user data, %.0f MB/s of 2352-byte sectors, target >= 800)\n",
    dd / r, b / r / 1e6, b / 2048 * 2352 / r / 1e6
  printf "peak RSS %d GiB vs %d GiB image: %.1f vs %.1f MiB (flat if about equal)\n",
    '"$GIB"', '"$GIB"' / 2, c_rss / 1024, h_rss / 1024 }'

#!/usr/bin/env bash
# Benchmark of `discrw rip` from the emulated drive, beside `dd bs=64k | sha256sum` of the
# same image in the same run (see docs/benchmarks.md). Prints figures and ratios; asserts
# nothing about time (it only checks that every rip is complete and exact).
#
#   bash bench/rip.sh [MIB]                 # image size in MiB (default 2048 = 2 GiB)
#   BENCH_DIR=/dev/shm bash bench/rip.sh    # where the image, media and rips go
#
# Cases (one run each, in this order):
#   dd        dd if=IMAGE bs=64k | sha256sum: the read + hash floor of the same bytes
#   openssl   openssl dgst -sha256 IMAGE: this CPU's single-stream SHA-256 ceiling
#   cooked    DVD-ROM holding the image: READ(10/12) of 2048-byte sectors + SHA-256
#   raw       CD-ROM holding the same image: READ CD of 2352-byte sectors, sync/header/
#             EDC/ECC of every sector checked, + SHA-256 of the .bin
#   cooked/2  half the size, to show that peak RSS does not grow with the image
# Peak disk use in BENCH_DIR: about 3 x the image (media files + one rip at a time).
set -euo pipefail
cd "$(dirname "$0")/.."

MIB=${1:-2048}
command -v openssl >/dev/null || { echo "bench: openssl is needed" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || {
  echo "bench: /usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
cargo build --release -q
BIN=$PWD/target/release/discrw
DIR=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/discrw-bench.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
FS=$(stat -f -c %T "$DIR")

# Not all-zero: 1 MiB of random data repeated, so hashing and the ECC see real data while
# making the image costs one pass of cat.
mk_image() { # PATH MIB
  head -c 1048576 /dev/urandom > "$DIR/chunk"
  local i
  for ((i = 0; i < $2; i++)); do cat "$DIR/chunk"; done > "$1"
  rm -f "$DIR/chunk"
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
  local name=$1 bytes=$2
  # shellcheck disable=SC2086
  set -- $3
  awk -v n="$name" -v b="$bytes" -v w="$1" -v u="$2" -v s="$3" -v r="$4" 'BEGIN {
    printf "%-9s %6.0f MB/s  %6.2f s wall  %6.2f s CPU (%5.2f user + %5.2f sys)  %7.1f MiB peak RSS\n",
      n, b / w / 1e6, w, u + s, u, s, r / 1024 }'
}

# The rip's SHA-256 (from OUT.sha256) must be the image's (from the dd run).
same_hash() { # SHA256FILE WANT NAME
  local got
  got=$(cut -d' ' -f1 "$1")
  [ "$got" = "$2" ] || { echo "bench: $3: SHA-256 $got, the image's is $2" >&2; exit 1; }
}

IMG=$DIR/image.iso
mk_image "$IMG" "$MIB"
BYTES=$(stat -c %s "$IMG")
SECTORS=$((BYTES / 2048))

echo "discrw rip benchmark: $MIB MiB image ($SECTORS sectors), files on $FS ($DIR), $(nproc) CPUs"
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# Peer: read + hash of the image file itself (already in the page cache, as the media are).
DD=$(measure bash -c "dd if='$IMG' bs=64k status=none | sha256sum")
WANT=$(cut -d' ' -f1 "$DIR/out.log")
row dd "$BYTES" "$DD"
# The SHA-256 ceiling of this CPU (one stream; OpenSSL uses the SHA extensions where the CPU
# has them): a rip that hashes cannot go faster than this.
OSSL=$(measure openssl dgst -sha256 "$IMG")
row openssl "$BYTES" "$OSSL"

"$BIN" virtual create "$DIR/dvd.vdisc" --media dvd-rom --from "$IMG" > /dev/null
"$BIN" virtual create "$DIR/cd.vdisc" --media cd-rom --from "$IMG" > /dev/null
rm -f "$IMG"
cat "$DIR/dvd.vdisc" "$DIR/cd.vdisc" > /dev/null

COOKED=$(measure "$BIN" -d "virtual:$DIR/dvd.vdisc" rip "$DIR/cooked.iso")
row cooked "$BYTES" "$COOKED"
same_hash "$DIR/cooked.iso.sha256" "$WANT" cooked
[ "$(stat -c %s "$DIR/cooked.iso")" = "$BYTES" ] || { echo "bench: cooked rip has the wrong size" >&2; exit 1; }
rm -f "$DIR/cooked.iso" "$DIR/dvd.vdisc"

RAW=$(measure "$BIN" -d "virtual:$DIR/cd.vdisc" rip --raw "$DIR/raw.bin")
RAWBYTES=$((SECTORS * 2352))
row raw "$RAWBYTES" "$RAW"
[ "$(stat -c %s "$DIR/raw.bin")" = "$RAWBYTES" ] || { echo "bench: raw rip has the wrong size" >&2; exit 1; }
grep -q "complete" "$DIR/out.log" || { echo "bench: raw rip incomplete" >&2; cat "$DIR/out.log" >&2; exit 1; }
rm -f "$DIR/raw.bin" "$DIR/cd.vdisc"

HALF=$DIR/half.iso
mk_image "$HALF" $((MIB / 2))
"$BIN" virtual create "$DIR/half.vdisc" --media dvd-rom --from "$HALF" > /dev/null
rm -f "$HALF"
HALFR=$(measure "$BIN" -d "virtual:$DIR/half.vdisc" rip "$DIR/half-out.iso")
row cooked/2 $((BYTES / 2)) "$HALFR"
rm -f "$DIR/half-out.iso" "$DIR/half.vdisc"

echo
awk -v dd="${DD%% *}" -v os="${OSSL%% *}" -v c="${COOKED%% *}" -v r="${RAW%% *}" -v b="$BYTES" -v rb="$RAWBYTES" \
    -v c_rss="$(echo "$COOKED" | cut -d' ' -f4)" -v h_rss="$(echo "$HALFR" | cut -d' ' -f4)" \
    -v r_rss="$(echo "$RAW" | cut -d' ' -f4)" -v mib="$MIB" -v s="$SECTORS" -v ncpu="$(nproc)" \
    -v c_cpu="$(echo "$COOKED" | awk '{print $2 + $3}')" -v r_cpu="$(echo "$RAW" | awk '{print $2 + $3}')" \
    -v os_cpu="$(echo "$OSSL" | awk '{print $2 + $3}')" 'BEGIN {
  printf "cooked / dd speed: %.2f  (cooked + SHA-256 %.0f MB/s; target >= 1500 MB/s)\n", dd / c, b / c / 1e6
  printf "cooked / openssl:  %.2f  (the share of the one-stream SHA-256 ceiling, %.0f MB/s, reached)\n", os / c, b / os / 1e6
  printf "raw    / dd speed: %.2f  (raw + EDC/ECC + SHA-256 %.0f MB/s of 2352-byte sectors; target >= 800 MB/s)\n", dd / r, rb / r / 1e6
  printf "peak RSS: cooked %.1f MiB (%d MiB image) vs %.1f MiB (%d MiB image); raw %.1f MiB\n",
    c_rss / 1024, mib, h_rss / 1024, mib / 2, r_rss / 1024
  # CPU cost, which a loaded machine changes far less than wall time: per sector, and the
  # rate it allows if the rip had every CPU to itself, capped by one-stream SHA-256 (the
  # openssl rate per CPU-second): a bound, not a measurement.
  hash = b / os_cpu
  cb = b / (c_cpu / ncpu); if (cb > hash) cb = hash
  rbd = rb / (r_cpu / ncpu); if (rbd > hash) rbd = hash
  printf "CPU per sector: cooked %.2f us, raw %.2f us, openssl SHA-256 of 2048 bytes %.2f us\n",
    c_cpu / s * 1e6, r_cpu / s * 1e6, os_cpu / s * 1e6
  printf "bound with all %d CPUs free: cooked %.0f MB/s, raw %.0f MB/s (SHA-256 cap %.0f MB/s)\n",
    ncpu, cb / 1e6, rbd / 1e6, hash / 1e6 }'

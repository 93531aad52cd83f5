#!/usr/bin/env bash
# bench/burn.sh [SIZE_MIB]: `discrw burn` + verify of an image of SIZE_MIB MiB (default
# 2200, i.e. > 2 GB) on the emulated drive at unlimited speed (virtual clock: the drive
# never holds the writer back), against peers run in the same invocation on the same image:
#   floor:   dd bs=64k | sha256sum                  (one read + hash of the image)
#   libburn: xorriso -as cdrecord dev=stdio:FILE    (cdrskin's engine: FIFO + write to a
#            pseudo-drive), then sha256sum of the image and of the written copy (verify)
# Prints MB/s, CPU seconds, peak RSS and discrw's FIFO/drive-buffer lines, then ratios.
# Peak RSS is also measured at a quarter of the size to show it does not grow with it.
# Never asserts a time. Everything big lives in one temp directory, removed on exit.
set -euo pipefail

SIZE_MIB=${1:-2200}
cd "$(dirname "$0")/.."
for t in /usr/bin/time xorriso sha256sum dd; do
    command -v "$t" >/dev/null || { echo "bench/burn.sh: $t is needed and missing" >&2; exit 1; }
done
cargo build --release -q
BIN=$PWD/target/release/discrw

W=$(mktemp -d "${TMPDIR:-/tmp}/discrw-bench-burn.XXXXXX")
trap 'rm -rf "$W"' EXIT
IMG=$W/image.iso
BYTES=$((SIZE_MIB << 20))
echo "making a ${SIZE_MIB} MiB image of random data in $W ..."
head -c "$BYTES" /dev/urandom >"$IMG"
# Warm the page cache equally for everyone.
cat "$IMG" >/dev/null

# run NAME CMD...: /usr/bin/time figures into $W/NAME.time; output into $W/NAME.out
run() {
    local name=$1
    shift
    /usr/bin/time -f '%e %U %S %M' -o "$W/$name.time" "$@" >"$W/$name.out" 2>&1 || {
        echo "bench/burn.sh: $name failed:" >&2
        tail -5 "$W/$name.out" >&2
        exit 1
    }
}
# fig NAME -> "wall cpu rss_mib"
fig() {
    awk '{printf "%s %.2f %.1f", $1, $2 + $3, $4 / 1024}' "$W/$1.time"
}

# Floor: read and hash the image once.
run floor bash -c "dd if='$IMG' bs=64k status=none | sha256sum"

# discrw: burn (pre-check read + hash, stream through the FIFO, write) and verify.
"$BIN" virtual create "$W/disc.vd" --media dvd+r >/dev/null
run discrw "$BIN" burn -d "virtual:$W/disc.vd" "$IMG"
rm -f "$W/disc.vd"

# libburn (xorriso's cdrecord emulation, as cdrskin) to a stdio pseudo-drive, then verify
# by hashing the image and the written copy.
run libburn bash -c "xorriso -as cdrecord -v dev=stdio:'$W/peer.out' fs=32m -nopad -data '$IMG' \
    && sha256sum '$IMG' && head -c $BYTES '$W/peer.out' | sha256sum"
rm -f "$W/peer.out"

# RSS at a quarter of the size (flat in image size).
SMALL=$W/small.iso
head -c $((BYTES / 4)) "$IMG" >"$SMALL"
"$BIN" virtual create "$W/small.vd" --media dvd+r >/dev/null
run discrw_small "$BIN" burn -d "virtual:$W/small.vd" "$SMALL"
rm -f "$W/small.vd" "$SMALL"

MB=$(awk -v b="$BYTES" 'BEGIN{print b / 1e6}')
printf '\nimage: %s MiB (%.0f MB), %s, %d cores\n' "$SIZE_MIB" "$MB" "$(uname -m)" "$(nproc)"
printf '%-34s %9s %9s %8s %10s\n' tool wall_s MB/s cpu_s rss_MiB
for n in floor discrw libburn discrw_small; do
    read -r wall cpu rss <<<"$(fig $n)"
    mb=$MB
    [ "$n" = discrw_small ] && mb=$(awk -v m="$MB" 'BEGIN{print m / 4}')
    case $n in
        floor) label="dd|sha256sum (read+hash floor)" ;;
        discrw) label="discrw burn+verify" ;;
        libburn) label="xorriso/libburn burn + sha256 x2" ;;
        discrw_small) label="discrw burn+verify (1/4 size)" ;;
    esac
    printf '%-34s %9.2f %9.1f %8.2f %10.1f\n' "$label" "$wall" "$(awk -v m="$mb" -v w="$wall" 'BEGIN{print m / w}')" "$cpu" "$rss"
done
echo
grep -E '^  (fifo|drive buffer|verify):' "$W/discrw.out" || true
read -r dw dc dr <<<"$(fig discrw)"
read -r lw lc lr <<<"$(fig libburn)"
read -r fw fc fr <<<"$(fig floor)"
read -r sw sc sr <<<"$(fig discrw_small)"
echo
awk -v dw="$dw" -v lw="$lw" -v fw="$fw" -v dc="$dc" -v lc="$lc" -v dr="$dr" -v sr="$sr" -v lr="$lr" 'BEGIN{
    printf "ratio wall discrw / libburn:       %.2f (below 1: discrw faster)\n", dw / lw
    printf "ratio CPU  discrw / libburn:       %.2f\n", dc / lc
    printf "ratio wall discrw / read+hash floor: %.2f\n", dw / fw
    printf "peak RSS discrw full / quarter size: %.2f (1.0 = flat)\n", dr / sr
    printf "peak RSS discrw / libburn:         %.2f\n", dr / lr
}'

#!/usr/bin/env bash
# bench/iso.sh: `discrw iso create` and `discrw iso extract` against xorriso (and genisoimage,
# 7z) on the same tree in the same run; prints wall time, CPU time, peak RSS and ratios.
# Never asserts a time (docs/benchmarks.md).
#
#   bash bench/iso.sh                  # ~600 MB tree + a 4.5 GiB sparse file
#   BENCH_ISO_MB=200 bash bench/iso.sh # smaller tree
#   BENCH_ISO_SPARSE=0 ...             # skip the sparse-file case
#   BENCH_DIR=/some/disk ...           # where the data goes (default: a temp dir in /tmp)
#
# discrw also hashes the whole image (the .sha256 beside it), so the create rows show
# xorriso alone and xorriso followed by sha256sum (the same work).
set -euo pipefail
cd "$(dirname "$0")/.."

MB=${BENCH_ISO_MB:-600}
SPARSE=${BENCH_ISO_SPARSE:-1}
# xorriso, genisoimage, 7z: tests/packages.txt; /usr/bin/time: Debian package "time".
for t in xorriso genisoimage 7z sha256sum /usr/bin/time python3 awk; do
  command -v "$t" >/dev/null || { echo "bench/iso.sh: $t is missing" >&2; exit 1; }
done
cargo build --release --quiet
D=$PWD/target/release/discrw
W=$(mktemp -d "${BENCH_DIR:-/tmp}/discrw-iso-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

echo "== tree: ${MB} MB in $W"
python3 - "$W/tree" "$MB" <<'EOF'
import os, random, sys
root, mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)
blob = os.urandom(1 << 20)
def data(n):
    out = bytearray()
    while len(out) < n:
        out += blob[rnd.randrange(0, len(blob) // 2):][: n - len(out)]
    return bytes(out)
total = 0
small = 0
# A quarter in 3000 small files (1-64 KiB) in nested directories, the rest in big files.
while small < mb * (1 << 20) // 4 and small < 3000 * 65536:
    i = small // 40000
    p = os.path.join(root, "d%02d" % (i % 40), "e%02d" % (i % 7), "file %05d.dat" % i)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    n = rnd.randrange(1024, 65536)
    open(p, "wb").write(data(n))
    small += n
total = small
k = 0
while total < mb * (1 << 20):
    n = min(64 << 20, mb * (1 << 20) - total)
    p = os.path.join(root, "big", "chunk%02d.bin" % k)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, "wb").write(data(n))
    total += n
    k += 1
print("files: %d small (%d MB), %d big, total %d MB" % (
    sum(len(f) for _, _, f in os.walk(root)) - k, small >> 20, k, total >> 20))
EOF
# Warm the page cache so every tool reads the tree from memory.
find "$W/tree" -type f -exec cat {} + >/dev/null

# measure LABEL CMD...: prints "LABEL wall cpu rss" and stores the wall time in $WALL.
RESULTS=()
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$W/time" "$@" >/dev/null 2>"$W/err" || {
    echo "bench/iso.sh: $label failed:" >&2; cat "$W/err" >&2; exit 1; }
  read -r wall user sys rss <"$W/time"
  WALL=$wall
  printf '  %-40s %8.2f s wall %8.2f s CPU %9d kB peak RSS\n' "$label" "$wall" \
    "$(awk -v a="$user" -v b="$sys" 'BEGIN { print a + b }')" "$rss"
  RESULTS+=("$label=$wall")
}
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a (peer under 0.01 s)" }'
}

echo "== create (Rock Ridge + Joliet)"
measure "discrw iso create (+ .sha256)" "$D" iso create "$W/tree" -o "$W/d.iso" -V BENCH
c_d=$WALL
measure "xorriso -as mkisofs -R -J" xorriso -as mkisofs -quiet -R -J -o "$W/x.iso" "$W/tree"
c_x=$WALL
measure "xorriso -as mkisofs -R -J, then sha256sum" bash -c \
  "xorriso -as mkisofs -quiet -R -J -o '$W/x2.iso' '$W/tree' && sha256sum '$W/x2.iso'"
c_xs=$WALL
measure "genisoimage -R -J" genisoimage -quiet -R -J -joliet-long -o "$W/g.iso" "$W/tree"
c_g=$WALL
rm -f "$W/x2.iso" "$W/g.iso"
echo "  image sizes: discrw $(stat -c %s "$W/d.iso") B, xorriso $(stat -c %s "$W/x.iso") B"

echo "== extract everything"
# Dirty pages left by the step before (the images just written, the last extraction) make
# the kernel write back during the next timed extraction, whoever runs it (up to 10x the
# time on this machine): `sync` before each one.
sync
measure "discrw iso extract" "$D" iso extract "$W/d.iso" -o "$W/out-d"
e_d=$WALL
sync
measure "xorriso -osirrox on -extract / DIR" xorriso -osirrox on -indev "$W/d.iso" -extract / "$W/out-x"
e_x=$WALL
sync
measure "7z x" 7z x -y -o"$W/out-7" "$W/d.iso"
e_7=$WALL
diff -r "$W/tree" "$W/out-d" >/dev/null || { echo "bench/iso.sh: discrw extract differs from the tree" >&2; exit 1; }
rm -rf "$W/out-d" "$W/out-x" "$W/out-7"

echo "== list everything"
measure "discrw iso ls -R -l" "$D" iso ls "$W/d.iso" / -R -l
l_d=$WALL
measure "xorriso -find / -exec lsdl" xorriso -indev "$W/d.iso" -find / -exec lsdl
l_x=$WALL
rm -f "$W/x.iso"

if [ "$SPARSE" = 1 ]; then
  echo "== a 4.5 GiB sparse file (several extents)"
  mkdir -p "$W/sparse"
  python3 -c "
import os
f = open('$W/sparse/big.bin', 'wb'); size = (9 << 29) + 12345
for o in (0, 1 << 30, (4 << 30) - 1000, size - 4096): f.seek(o); f.write(os.urandom(4096)[: size - o])
f.truncate(size)"
  measure "discrw iso create (sparse out, + .sha256)" "$D" iso create "$W/sparse" -o "$W/s.iso"
  s_d=$WALL
  measure "xorriso -as mkisofs -iso-level 3 > /dev/null" bash -c \
    "xorriso -as mkisofs -quiet -iso-level 3 -R -J -o - '$W/sparse' >/dev/null"
  s_x=$WALL
  measure "discrw iso extract (holes kept)" "$D" iso extract "$W/s.iso" -o "$W/out-s"
  x_d=$WALL
  measure "xorriso -extract, sparse=1m" xorriso -osirrox on:sparse=1m -indev "$W/s.iso" -extract / "$W/out-sx"
  x_x=$WALL
  echo "  disk used: image $(du -k "$W/s.iso" | cut -f1) kB, discrw's extracted file $(du -k "$W/out-s/big.bin" | cut -f1) kB"
fi

echo "== ratios (discrw time / peer time; below 1 is faster)"
echo "  create  vs xorriso:            $(ratio "$c_d" "$c_x")"
echo "  create  vs xorriso + sha256sum: $(ratio "$c_d" "$c_xs")"
echo "  create  vs genisoimage:        $(ratio "$c_d" "$c_g")"
echo "  extract vs xorriso:            $(ratio "$e_d" "$e_x")"
echo "  extract vs 7z:                 $(ratio "$e_d" "$e_7")"
echo "  list    vs xorriso:            $(ratio "$l_d" "$l_x")"
if [ "$SPARSE" = 1 ]; then
  echo "  sparse create  vs xorriso:     $(ratio "$s_d" "$s_x")"
  echo "  sparse extract vs xorriso:     $(ratio "$x_d" "$x_x")"
fi
echo "machine: $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%F)"

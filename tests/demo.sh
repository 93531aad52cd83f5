#!/usr/bin/env bash
# The main job on the emulated drive, end to end, as a user would run it:
#   build an ISO 9660 image from a directory (discrw iso create),
#   make a blank virtual DVD+R, burn the image to it (the burn verifies),
#   verify it again, rip it back, and check the rip is the image, byte for byte.
# Needs only a Rust toolchain. Run from anywhere: bash tests/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet
discrw=$PWD/target/release/discrw
work=$(mktemp -d "${TMPDIR:-/tmp}/discrw-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== discrw iso create: docs/ and src/ as an ISO 9660 + Joliet + Rock Ridge image"
mkdir "$work/tree"
cp -r docs src README.md "$work/tree/"
"$discrw" iso create "$work/tree" -o "$work/demo.iso" -V DISCRW_DEMO
"$discrw" iso info "$work/demo.iso"

echo "== discrw virtual create: a blank DVD+R"
"$discrw" virtual create "$work/blank.vdisc" --media dvd+r
dev="virtual:$work/blank.vdisc"
"$discrw" info -d "$dev"

echo "== discrw burn (burns, then verifies)"
"$discrw" burn -d "$dev" "$work/demo.iso"

echo "== discrw verify"
"$discrw" verify -d "$dev" "$work/demo.iso"

echo "== discrw rip"
"$discrw" rip -d "$dev" "$work/copy.iso"

echo "== compare"
# The rip is what the disc holds: the recorded track. A DVD+R track ends on a 16-sector ECC
# block, so the burn padded the image with zeros up to it; the rip keeps that padding.
size=$(stat -c %s "$work/demo.iso")
cmp -n "$size" "$work/demo.iso" "$work/copy.iso"
tail -c +"$((size + 1))" "$work/copy.iso" | cmp -n "$(($(stat -c %s "$work/copy.iso") - size))" - /dev/zero
echo "image: $((size / 2048)) sectors; rip: $(($(stat -c %s "$work/copy.iso") / 2048)) sectors (the image, then zero padding to the track's end)"
sha256sum "$work/demo.iso"
head -c "$size" "$work/copy.iso" | sha256sum
echo "demo: the disc burned on the emulated drive rips back to the image, byte for byte"

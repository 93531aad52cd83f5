# Disc images: ISOs shipped in Debian packages (made by other people's tools) and one
# generated >= 200 MB ISO whose every 2048-byte block carries its own number, so a
# misplaced sector shows up. All cached in $WORK/media (shared read-only with the guest).

# NAME:PACKAGE:PATH-IN-PACKAGE
DEBIAN_ISOS=(
    grub-rescue:grub-rescue-pc:usr/lib/grub-rescue/grub-rescue-cdrom.iso
    memtest86:memtest86+:usr/lib/memtest86+/memtest86+x64.iso
    ipxe:ipxe:usr/lib/ipxe/ipxe.iso
)
BIG_ISO_MB=${HW_BIG_ISO_MB:-210}

media_prepare() {
    local ent name pkg path deb tmp
    mkdir -p "$WORK/media" "$WORK/cache"
    for ent in "${DEBIAN_ISOS[@]}"; do
        IFS=: read -r name pkg path <<< "$ent"
        [ -s "$WORK/media/$name.iso" ] && continue
        deb=$(ls "$WORK/cache/${pkg}"_*.deb 2>/dev/null | head -n1 || true)
        if [ -z "$deb" ]; then
            log "media: apt-get download $pkg"
            apt_download "$WORK/cache" "$pkg" "$WORK/cache/download-$pkg.log" \
                || { cat "$WORK/cache/download-$pkg.log" >&2; die "apt-get download $pkg failed"; }
            deb=$(ls "$WORK/cache/${pkg}"_*.deb | head -n1)
        fi
        tmp=$(mktemp -d "$WORK/cache/x.XXXX")
        dpkg-deb -x "$deb" "$tmp"
        [ -s "$tmp/$path" ] || die "$pkg has no $path"
        cp "$tmp/$path" "$WORK/media/$name.iso"; rm -rf "$tmp"
        log "media: $name.iso from ${deb##*/} ($(stat -c %s "$WORK/media/$name.iso") bytes)"
    done
    if [ ! -s "$WORK/media/big.iso" ]; then
        log "media: generating big.iso (${BIG_ISO_MB} MB payload)"
        tmp=$(mktemp -d "$WORK/cache/big.XXXX")
        python3 - "$tmp/blocks.bin" "$BIG_ISO_MB" <<'PY'
import sys, struct
path, mb = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    for i in range(mb * 512):
        head = b"discrw hw-tests block %10d\n" % i
        f.write((head + struct.pack("<Q", i) * ((2048 - len(head)) // 8)).ljust(2048, b"\0"))
PY
        xorriso -as mkisofs -quiet -V DISCRW_HW_BIG -o "$WORK/media/big.iso.tmp" "$tmp" \
            > "$WORK/cache/big-iso.log" 2>&1 || { cat "$WORK/cache/big-iso.log" >&2; die "xorriso failed"; }
        mv "$WORK/media/big.iso.tmp" "$WORK/media/big.iso"; rm -rf "$tmp"
    fi
    # Hashes once, on the host (the guest CPU is slow).
    for name in "$WORK"/media/*.iso; do
        [ -s "$name.sha256" ] && [ "$name.sha256" -nt "$name" ] || sha256_of "$name" > "$name.sha256"
    done
}

iso_sha() { cat "$WORK/media/$1.iso.sha256"; }
iso_size() { stat -c %s "$WORK/media/$1.iso"; }
iso_blocks() { echo $(( $(iso_size "$1") / 2048 )); }

SC_DESC="cdrdao writes a .cue (a MODE1/2048 data track, then an audio track after a 2-second pregap; audio BINARY with --swap, and MOTOROLA) to attached blank CD-Rs; sg_dd reads the data track back bit-exactly through the kernel; discrw verify of the .cue (through the kernel, and on the host against the medium file) and info check the disc"
SC_GROUP=attach
SC_NEEDS="virtual"
SC_TIMEOUT=300
sc_setup() {
    # The audio track: 20 s of a deterministic, non-silent signal (CD-DA, little-endian).
    python3 - "$RUN/audio.bin" <<'PY'
import sys, struct, math
frames = 20 * 75 * 588
with open(sys.argv[1], "wb") as f:
    f.write(b"".join(struct.pack("<hh", int(9000 * math.sin(i / 7.0)), (i * 37) % 30000 - 15000)
                     for i in range(frames)))
PY
    ln -sf /mnt/media/memtest86.iso "$RUN/data.iso"
    # The same samples big-endian, for the MOTOROLA variant.
    python3 -c 'import sys; a=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(bytes(b for p in zip(a[1::2], a[0::2]) for b in p))' \
        "$RUN/audio.bin" "$RUN/audio.be"
    local ft
    for ft in BINARY MOTOROLA; do
        cat > "$RUN/mixed-$ft.cue" <<C
FILE "data.iso" BINARY
  TRACK 01 MODE1/2048
    INDEX 01 00:00:00
FILE "$([ $ft = BINARY ] && echo audio.bin || echo audio.be)" $ft
  TRACK 02 AUDIO
    PREGAP 00:02:00
    INDEX 01 00:00:00
C
    done
    guest_script <<G
N=$(iso_blocks memtest86)
G
    cat >> "$RUN/guest.sh" <<'G'
# cdrdao reads a cue sheet's BINARY audio as big-endian (the samples reach the disc
# byte-swapped; cdrdao's own remedy is --swap): BINARY with --swap, and MOTOROLA as is.
for v in BINARY:--swap MOTOROLA:; do
    ft=${v%%:*}; opt=${v#*:}; l=cdr$(echo $ft | cut -c1 | tr A-Z a-z)
    attach_blank $l cd-r || continue
    step burn-$l sh -c "cd /mnt/host && cdrdao write -n $opt --device $ATT_SG mixed-$ft.cue"
    step sgdd-$l sg_dd if="$ATT_SG" of="$OUT/$l.sgdd.iso" bs=2048 bpt=32 count=$N
    step kverify-$l discrw_verify "$ATT_SG" /mnt/host/mixed-$ft.cue
    detach_label $l
done
G
}
sc_check() {
    # The cue names data.iso, a link to the guest's media path: on the host, to the media.
    ln -sf "$WORK/media/memtest86.iso" "$RUN/data.iso"
    local l ft
    for ft in BINARY MOTOROLA; do
        l=cdr$(echo $ft | cut -c1 | tr A-Z a-z)
        attach_expect_steps $l create attach burn sgdd kverify detach
        expect_image "$OUT/$l.sgdd.iso" memtest86 exact
        attach_check_medium $l "$RUN/$l.medium" "$RUN/mixed-$ft.cue" complete
    done
}

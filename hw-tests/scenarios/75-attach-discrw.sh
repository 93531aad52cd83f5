SC_DESC="discrw's own jobs through the kernel against attached drives, per family: rip of an attached .iso as CD-ROM, DVD-ROM and BD-ROM (and readom of the CD-ROM) bit-exact; burn (with its verify) to attached blank CD-R, DVD+R and BD-R; the medium files verified on the host"
SC_GROUP=attach
SC_NEEDS="virtual rip burn verify"
SC_TIMEOUT=400
ATT_ROMS="cdrom:cd-rom dvdrom:dvd-rom bdrom:bd-rom"
ATT_BLANKS="cdr:cd-r dvdpr:dvd+r bdr:bd-r"
sc_setup() {
    guest_script <<G
ROMS="$ATT_ROMS"
BLANKS="$ATT_BLANKS"
G
    cat >> "$RUN/guest.sh" <<'G'
for c in $ROMS; do
    l=${c%%:*}; k=${c#*:}
    step attach-$l discrw_attach "$l" /mnt/media/memtest86.iso --media "$k"
    [ "$(cat "$OUT/attach-$l.rc")" = 0 ] || continue
    step rip-$l discrw_rip "$ATT_SR" "$OUT/$l.rip.iso"
    [ "$k" = cd-rom ] && step readom-$l readom dev="$ATT_SG" f="$OUT/$l.readom.iso"
    step verify-$l discrw_verify "$ATT_SR" /mnt/media/memtest86.iso
    detach_label "$l"
done
for c in $BLANKS; do
    l=${c%%:*}; k=${c#*:}
    attach_blank "$l" "$k" || continue
    step burn-$l discrw_burn "$ATT_SR" /mnt/media/memtest86.iso
    step rip-$l discrw_rip "$ATT_SR" "$OUT/$l.rip.iso"
    detach_label "$l"
done
G
}
sc_check() {
    local c l k
    for c in $ATT_ROMS; do
        IFS=: read -r l k <<< "$c"
        attach_expect_steps "$l" attach rip verify detach
        expect_image "$OUT/$l.rip.iso" memtest86 exact
        if [ "$k" = cd-rom ]; then expect_rc "readom-$l" 0; expect_image "$OUT/$l.readom.iso" memtest86 exact; fi
    done
    for c in $ATT_BLANKS; do
        IFS=: read -r l k <<< "$c"
        attach_expect_steps "$l" create attach burn rip detach
        expect_image "$OUT/$l.rip.iso" memtest86 exact
        attach_check_medium "$l" "$RUN/$l.medium" "$WORK/media/memtest86.iso" complete
    done
}

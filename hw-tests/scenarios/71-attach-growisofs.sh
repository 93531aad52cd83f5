SC_DESC="growisofs burns a Debian ISO to attached blank DVD+R, DVD+RW, DVD-R, DVD-RW, DVD+R DL, BD-R and BD-RE (discrw virtual attach: TCMU + tcm_loop); sg_dd reads it back bit-exactly through the kernel; on the host discrw verify and info check the medium file and its final state"
SC_GROUP=attach
SC_NEEDS="virtual"
SC_TIMEOUT=400
# LABEL:KIND:STATUS (labels are attach names: no '+')
ATT_GROWISOFS="dvdpr:dvd+r:complete dvdprw:dvd+rw:other dvdr:dvd-r:complete dvdrw:dvd-rw:complete dvdprdl:dvd+r-dl:complete bdr:bd-r:appendable bdre:bd-re:other"
sc_setup() {
    guest_script <<G
CASES="$ATT_GROWISOFS"
N=$(iso_blocks memtest86)
G
    cat >> "$RUN/guest.sh" <<'G'
for c in $CASES; do
    l=${c%%:*}; k=${c#*:}; k=${k%%:*}
    attach_blank "$l" "$k" || continue
    # -dvd-compat closes the disc (DVD+R/-R/+R DL); BD-R, which growisofs formats with
    # spare areas (SRM+POW), keeps its session open (only the track is closed).
    step burn-$l growisofs -dvd-compat -Z "$ATT_SR=/mnt/media/memtest86.iso"
    step sgdd-$l sg_dd if="$ATT_SG" of="$OUT/$l.sgdd.iso" bs=2048 bpt=32 count=$N
    detach_label "$l"
done
G
}
sc_check() {
    local c l k st
    for c in $ATT_GROWISOFS; do
        IFS=: read -r l k st <<< "$c"
        attach_expect_steps "$l" create attach burn sgdd detach
        expect_image "$OUT/$l.sgdd.iso" memtest86 exact
        attach_check_medium "$l" "$RUN/$l.medium" "$WORK/media/memtest86.iso" "$st"
    done
}

SC_DESC="wodim (cdrkit) burns to attached blank media: CD-R TAO and DAO, CD-RW after blank=fast; sg_dd reads back bit-exactly; discrw verify and info on the host check the medium file (closed disc)"
SC_GROUP=attach
SC_NEEDS="virtual"
SC_TIMEOUT=300
ATT_WODIM="cdrtao:cd-r:-tao cdrdao:cd-r:-dao cdrw:cd-rw:-tao"
sc_setup() {
    guest_script <<G
CASES="$ATT_WODIM"
N=$(iso_blocks memtest86)
G
    cat >> "$RUN/guest.sh" <<'G'
for c in $CASES; do
    l=${c%%:*}; k=${c#*:}; mode=${k#*:}; k=${k%%:*}
    attach_blank "$l" "$k" || continue
    if [ "$k" = cd-rw ]; then
        step first-$l wodim -v dev="$ATT_SG" -tao /mnt/media/ipxe.iso
        step blank-$l wodim -v dev="$ATT_SG" blank=fast
    fi
    step burn-$l wodim -v dev="$ATT_SG" $mode /mnt/media/memtest86.iso
    step sgdd-$l sg_dd if="$ATT_SG" of="$OUT/$l.sgdd.iso" bs=2048 bpt=32 count=$N
    detach_label "$l"
done
G
}
sc_check() {
    local c l k mode
    for c in $ATT_WODIM; do
        IFS=: read -r l k mode <<< "$c"
        attach_expect_steps "$l" create attach burn sgdd detach
        [ "$k" = cd-rw ] && attach_expect_steps "$l" first blank
        expect_image "$OUT/$l.sgdd.iso" memtest86 exact
        attach_check_medium "$l" "$RUN/$l.medium" "$WORK/media/memtest86.iso" complete
    done
}

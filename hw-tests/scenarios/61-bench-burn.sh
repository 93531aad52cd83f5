SC_DESC="benchmark: burn the 210 MB ISO to fresh blank tgt DVD+R LUNs with discrw burn --no-verify vs growisofs vs cdrskin -tao (figures, not assertions; the peers do not verify either)"
SC_GROUP=bench
SC_TIMEOUT=600
sc_setup() {
    local t
    for t in grow cdrskin discrw; do tgt_blank "$RUN/$t.img"; add_tgt "$t" "$RUN/$t.img"; done
    guest_script <<'G'
step growisofs growisofs -dvd-compat -Z "$DEV_grow=/mnt/media/big.iso"
step cdrskin cdrskin -tao dev="$DEV_cdrskin" /mnt/media/big.iso
G
    if discrw_has burn; then echo 'step discrw discrw_burn_noverify "$DEV_discrw" /mnt/media/big.iso' >> "$RUN/guest.sh"; fi
}
sc_check() {
    expect_rc growisofs 0; expect_image "$RUN/grow.img" big
    expect_rc cdrskin 0; expect_image "$RUN/cdrskin.img" big
    local mb; mb=$(awk -v b="$(iso_size big)" 'BEGIN{printf "%.0f", b/1048576}')
    bench_report burn "$mb" growisofs cdrskin discrw
    if [ -f "$OUT/discrw.rc" ]; then expect_rc discrw 0; expect_image "$RUN/discrw.img" big; fi
}

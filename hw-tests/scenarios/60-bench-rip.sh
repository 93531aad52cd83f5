SC_DESC="benchmark: rip the 210 MB ISO from scsi-cd with discrw vs dd bs=64k vs readom, same VM (figures, not assertions)"
SC_GROUP=bench
SC_TIMEOUT=400
sc_setup() {
    cat "$WORK/media/big.iso" > /dev/null   # host page cache warm for every reader alike
    add_scsi_cd d "$WORK/media/big.iso"
    guest_script <<'G'
hw_wait_ready "$SG_d" 15 || echo "not ready"
step dd dd if="$DEV_d" of="$OUT/dd.iso" bs=64k
rm -f "$OUT/dd.iso.keep"; mv "$OUT/dd.iso" "$OUT/dd.iso.keep"
step readom readom dev="$DEV_d" f="$OUT/readom.iso"
G
    if discrw_has rip; then echo 'step discrw discrw_rip "$DEV_d" "$OUT/discrw.iso"' >> "$RUN/guest.sh"; fi
}
sc_check() {
    expect_rc dd 0; expect_image "$OUT/dd.iso.keep" big exact
    expect_rc readom 0; expect_image "$OUT/readom.iso" big exact
    local mb; mb=$(awk -v b="$(iso_size big)" 'BEGIN{printf "%.0f", b/1048576}')
    bench_report rip "$mb" dd readom discrw
    if [ -f "$OUT/discrw.rc" ]; then expect_rc discrw 0; expect_image "$OUT/discrw.iso" big exact; fi
}

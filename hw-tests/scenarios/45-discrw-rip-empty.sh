SC_DESC="rip from a drive with no disc, through the real kernel: exit 4 (media) with one error line, no image left behind"
SC_GROUP=rip
SC_NEEDS="rip"
sc_setup() {
    add_scsi_cd d
    guest_script <<'G'
step rip discrw_rip "$DEV_d" "$OUT/none.iso"
G
}
sc_check() {
    expect_error_line rip "$EXIT_MEDIA" 'no (medium|media|disc)|medium not present'
    if [ -s "$OUT/none.iso" ]; then fail "a non-empty none.iso was left behind"; else pass "no image written"; fi
}

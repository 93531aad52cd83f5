SC_DESC="rip a generated 210 MB ISO (each block numbered) from QEMU ide-cd (ATAPI through libata); SHA-256 equals the file"
SC_GROUP=rip
SC_NEEDS="rip"
SC_TIMEOUT=300
sc_setup() {
    add_ide_cd d "$WORK/media/big.iso"
    guest_script <<'G'
hw_wait_ready "$SG_d" 15 || echo "not ready"
step rip discrw_rip "$DEV_d" "$OUT/big.iso"
G
}
sc_check() {
    expect_rc rip 0
    expect_image "$OUT/big.iso" big exact
    echo "  info: rip took $(step_secs rip)s"
}

SC_DESC="info on QEMU scsi-cd with an 800 MB image: QEMU switches to profile DVD-ROM (16)"
SC_GROUP=info
SC_NEEDS="info info:--json"
sc_setup() {
    [ -s "$WORK/media/sparse-800m.img" ] || truncate -s 800M "$WORK/media/sparse-800m.img"
    add_scsi_cd d "$WORK/media/sparse-800m.img"
    guest_script <<'G'
hw_wait_ready "$SG_d" 10 || true
step info discrw_info "$DEV_d"
step info-sg discrw_info "$SG_d"
G
}
sc_check() {
    check_info info QEMU "QEMU CD-ROM" DVD-ROM 16 complete
    check_info info-sg QEMU "QEMU CD-ROM" DVD-ROM 16 complete
    expect_json info "$J_INFO_CAPACITY" $((800 * 512))
}

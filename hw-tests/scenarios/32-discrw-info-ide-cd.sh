SC_DESC="info on QEMU ide-cd (ATAPI/libata) with a Debian ISO: QEMU DVD-ROM, profile CD-ROM (8), complete"
SC_GROUP=info
SC_NEEDS="info info:--json"
sc_setup() {
    add_ide_cd d "$WORK/media/grub-rescue.iso"
    guest_script <<'G'
hw_wait_ready "$SG_d" 10 || true
step info discrw_info "$DEV_d"
step info-sg discrw_info "$SG_d"
G
}
sc_check() {
    check_info info QEMU "QEMU DVD-ROM" CD-ROM 8 complete
    check_info info-sg QEMU "QEMU DVD-ROM" CD-ROM 8 complete
    expect_json info "$J_INFO_CAPACITY" "$(iso_blocks grub-rescue)"
    expect_json info "$J_INFO_TRACKS" 1
}

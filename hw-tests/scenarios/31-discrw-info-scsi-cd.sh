SC_DESC="info on QEMU scsi-cd with a Debian ISO: QEMU CD-ROM, profile CD-ROM (8), complete (through sr and sg)"
SC_GROUP=info
SC_NEEDS="info info:--json"
sc_setup() {
    add_scsi_cd d "$WORK/media/grub-rescue.iso"
    guest_script <<'G'
hw_wait_ready "$SG_d" 10 || true
step info discrw_info "$DEV_d"
step info-sg discrw_info "$SG_d"
G
}
sc_check() {
    check_info info QEMU "QEMU CD-ROM" CD-ROM 8 complete
    check_info info-sg QEMU "QEMU CD-ROM" CD-ROM 8 complete
    # scsi-cd rejects READ TRACK INFORMATION (quirk-scsi-cd): the track list must come from
    # the TOC, and the capacity from READ CAPACITY = the image's blocks.
    expect_json info "$J_INFO_CAPACITY" "$(iso_blocks grub-rescue)"
    expect_json info "$J_INFO_TRACKS" 1
    expect_json info "$J_INFO_TRACKS_FROM" "READ TOC/PMA/ATIP"
}

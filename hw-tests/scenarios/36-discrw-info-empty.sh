SC_DESC="info on a drive with no disc: exit 0, media status none (the bogus sysfs size is not trusted)"
SC_GROUP=info
SC_NEEDS="info info:--json"
sc_setup() {
    add_scsi_cd d
    guest_script <<'G'
step info discrw_info "$DEV_d"
step info-sg discrw_info "$SG_d"
G
}
sc_check() {
    check_info info QEMU "QEMU CD-ROM" - - none
    check_info info-sg QEMU "QEMU CD-ROM" - - none
    expect_json info "$J_INFO_CAPACITY" null
}

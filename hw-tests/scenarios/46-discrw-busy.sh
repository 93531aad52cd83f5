SC_DESC="rip from a drive another opener holds (the disc is mounted in the guest): exit 3 (device busy) with one error line"
SC_GROUP=rip
SC_NEEDS="rip"
sc_setup() {
    add_scsi_cd d "$WORK/media/big.iso"
    guest_script <<'G'
mkdir -p /tmp/cd
hw_wait_ready "$SG_d" 15 || echo "not ready"
step mount mount -t iso9660 -o ro "$DEV_d" /tmp/cd
step rip discrw_rip "$DEV_d" "$OUT/busy.iso"
umount /tmp/cd
G
}
sc_check() {
    expect_rc mount 0
    expect_error_line rip "$EXIT_DEVICE" 'busy'
}

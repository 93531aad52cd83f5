SC_DESC="info on a tgt disc with data (non-empty backing file): tgt reports DVD-ROM (16), complete (tgt quirk)"
SC_GROUP=info
SC_NEEDS="info info:--json"
sc_setup() {
    cp "$WORK/media/grub-rescue.iso" "$RUN/written.img"; add_tgt d "$RUN/written.img"
    guest_script <<'G'
hw_wait_ready "$SG_d" 10 || true
step info discrw_info "$DEV_d"
step info-sg discrw_info "$SG_d"
G
}
sc_check() {
    check_info info IET VIRTUAL-CDROM DVD-ROM 16 complete
    check_info info-sg IET VIRTUAL-CDROM DVD-ROM 16 complete
    expect_json info "$J_INFO_CAPACITY" "$(iso_blocks grub-rescue)"
}

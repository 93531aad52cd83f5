SC_DESC="info on tgt's blank DVD+R: IET VIRTUAL-CDROM, profile DVD+R (27), blank"
SC_GROUP=info
SC_NEEDS="info info:--json"
sc_setup() {
    tgt_blank "$RUN/blank.img"; add_tgt d "$RUN/blank.img"
    guest_script <<'G'
hw_wait_ready "$SG_d" 10 || true
step info discrw_info "$DEV_d"
step info-sg discrw_info "$SG_d"
G
}
sc_check() {
    check_info info IET VIRTUAL-CDROM DVD+R 27 blank
    check_info info-sg IET VIRTUAL-CDROM DVD+R 27 blank
    # tgt's READ CAPACITY says last LBA 0 on a blank disc: not a capacity.
    expect_json info "$J_INFO_CAPACITY" null
    expect_json info "$J_INFO_NWA" 0
}

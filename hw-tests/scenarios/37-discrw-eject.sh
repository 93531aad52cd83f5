SC_DESC="eject and eject --load through the real kernel on scsi-cd and ide-cd: the tray opens (TEST UNIT READY 02/3A), info then says no medium, --load brings the disc back"
SC_GROUP=info
SC_NEEDS="eject info info:--json"
sc_setup() {
    add_scsi_cd cd "$WORK/media/grub-rescue.iso"
    add_ide_cd ide "$WORK/media/grub-rescue.iso"
    guest_script <<'G'
for d in cd ide; do
    eval "dev=\$DEV_$d sg=\$SG_$d"
    hw_wait_ready "$sg" 15 || echo "$d never ready"
    step "eject-$d" discrw_eject "$dev"
    step "tur-out-$d" sg_raw -v "$sg" 00 00 00 00 00 00
    step "info-out-$d" discrw_info "$dev"
    step "load-$d" discrw_load "$dev"
    hw_wait_ready "$sg" 15 || echo "$d not ready after load"
    step "tur-in-$d" sg_raw -v "$sg" 00 00 00 00 00 00
    step "info-in-$d" discrw_info "$sg"
done
G
}
sc_check() {
    local d m
    for d in cd:"QEMU CD-ROM" ide:"QEMU DVD-ROM"; do
        m=${d#*:}; d=${d%%:*}
        expect_rc "eject-$d" 0
        # MEDIUM NOT PRESENT (02/3A/xx): ASCQ 02 "tray open" on QEMU, 00/01 elsewhere.
        local s; s=$(hwcheck sense "$OUT/tur-out-$d.err")
        [[ $s == 02/3A/* ]] && pass "$d: after eject TEST UNIT READY says medium not present ($s)" \
            || { fail "$d: after eject TEST UNIT READY -> $s, want 02/3A/xx"; show_step "tur-out-$d"; }
        check_info "info-out-$d" QEMU "$m" - - none
        expect_rc "load-$d" 0
        expect_sense "tur-in-$d" GOOD
        check_info "info-in-$d" QEMU "$m" CD-ROM 8 complete
    done
}

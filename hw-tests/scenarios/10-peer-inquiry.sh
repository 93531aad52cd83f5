SC_DESC="guest kernel sees each drive kind; sg_inq names it (QEMU CD-ROM, QEMU DVD-ROM, tgt writer)"
sc_setup() {
    add_scsi_cd cd "$WORK/media/grub-rescue.iso"
    add_ide_cd ide "$WORK/media/grub-rescue.iso"
    tgt_blank "$RUN/blank.img"; add_tgt w "$RUN/blank.img"
    guest_script <<'G'
for d in cd ide w; do
    eval "dev=\$DEV_$d sg=\$SG_$d"
    step "inq-$d" sg_inq "$sg"
    step "inq-sr-$d" sg_inq "$dev"
done
G
}
sc_check() {
    local d
    for d in cd ide w; do expect_rc "inq-$d" 0; expect_rc "inq-sr-$d" 0; done
    grep -q 'Product identification: QEMU CD-ROM' "$OUT/inq-cd.out" && pass "scsi-cd is QEMU CD-ROM" || fail "scsi-cd product: $(grep Product "$OUT/inq-cd.out")"
    grep -q 'Product identification: QEMU DVD-ROM' "$OUT/inq-ide.out" && pass "ide-cd is QEMU DVD-ROM" || fail "ide-cd product: $(grep Product "$OUT/inq-ide.out")"
    cat "$OUT/inq-w.out"
}

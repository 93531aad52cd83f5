SC_DESC="QEMU scsi-cd quirks as expected outcomes: READ CD / READ TRACK INFORMATION rejected, DID_ERROR answers, read-only"
SC_GROUP=peer
sc_setup() {
    add_scsi_cd cd "$WORK/media/grub-rescue.iso"
    guest_script <<'G'
step rti    sg_raw -v -r 48 "$SG_cd" 52 01 00 00 00 01 00 00 30 00
step readcd sg_raw -v -r 2352 "$SG_cd" be 00 00 00 00 10 00 00 01 f8 00 00
step subch  sg_raw -v -r 24 "$SG_cd" 42 02 40 01 00 00 00 00 18 00
step cdmsf  sg_raw -v -r 2352 "$SG_cd" b9 00 00 00 02 00 00 02 01 f8 00 00
step repkey sg_raw -v -r 8 "$SG_cd" a4 00 00 00 00 00 00 00 00 08 00 00
dd if=/dev/zero of=/tmp/zero bs=2048 count=1 2>/dev/null
step write10 sg_raw -v -s 2048 -i /tmp/zero "$SG_cd" 2a 00 00 00 00 10 00 00 01 00
step read10 sg_raw -v -r 2048 -o "$OUT/read10.bin" "$SG_cd" 28 00 00 00 00 10 00 00 01 00
step config sg_get_config -c "$SG_cd"
G
}
sc_check() {
    expect_sense rti 05/20/00
    expect_sense readcd 05/20/00
    expect_sense subch DID_ERROR
    expect_sense cdmsf DID_ERROR
    expect_sense repkey DID_ERROR
    expect_sense write10 07/27/00
    expect_sense read10 GOOD
    cmp -s "$OUT/read10.bin" <(dd if="$WORK/media/grub-rescue.iso" bs=2048 skip=16 count=1 2>/dev/null) \
        && pass "READ(10) LBA 16 equals the ISO" || fail "READ(10) LBA 16 differs from the ISO"
    grep -q 'Current profile: CD-ROM' "$OUT/config.out" && pass "profile CD-ROM for a 5 MB image" || fail "profile: $(grep -m1 'Current profile' "$OUT/config.out")"
}

SC_DESC="QEMU ide-cd (ATAPI via libata) quirks: raw READ CD has zeroed EDC/ECC and a binary (not BCD) header address; READ TOC ignores the MMC format field"
SC_GROUP=peer
sc_setup() {
    add_ide_cd ide "$WORK/media/grub-rescue.iso"
    add_scsi_cd cd "$WORK/media/grub-rescue.iso"
    guest_script <<'G'
hw_wait_ready "$SG_ide" 15 || echo "ide-cd never ready"
step readcd sg_raw -v -r 2352 -o "$OUT/readcd.bin" "$SG_ide" be 00 00 00 00 10 00 00 01 f8 00 00
step readcd-sub sg_raw -v -r 2448 -o "$OUT/readcd-sub.bin" "$SG_ide" be 00 00 00 00 10 00 00 01 f8 01 00
step toc0 sg_raw -v -r 1024 -o "$OUT/toc0.bin" "$SG_ide" 43 00 00 00 00 00 00 04 00 00
step toc1 sg_raw -v -r 1024 -o "$OUT/toc1.bin" "$SG_ide" 43 00 01 00 00 00 00 04 00 00
step cd-toc1 sg_raw -v -r 1024 -o "$OUT/cd-toc1.bin" "$SG_cd" 43 00 01 00 00 00 00 04 00 00
G
}
sc_check() {
    expect_sense readcd GOOD
    local r; r=$(hwcheck readcd "$OUT/readcd.bin" "$WORK/media/grub-rescue.iso" 16)
    # LBA 16 = frame 0:02:16, whose BCD (02 16) and binary (02 10) forms differ: QEMU writes
    # the header address in binary (hw/ide/atapi.c lba_to_msf), ECMA-130 says BCD.
    expect_eq "READ CD LBA 16 (2352 raw)" "$r" "sync header=binary data edc=zero ecc=zero"
    # subchannel requested: either rejected or zero-filled, never made up
    if [ "$(hwcheck sense "$OUT/readcd-sub.err")" = GOOD ]; then
        [ -z "$(tail -c 96 "$OUT/readcd-sub.bin" | tr -d '\0')" ] && pass "raw P-W subchannel is all zero" || fail "subchannel has data"
    else pass "READ CD with subchannel rejected: $(hwcheck sense "$OUT/readcd-sub.err")"; fi
    expect_sense toc0 GOOD; expect_sense toc1 GOOD
    expect_eq "ide-cd READ TOC format 0" "$(hwcheck toc "$OUT/toc0.bin")" "len=20 first=1 last=1"
    expect_eq "ide-cd READ TOC format 1 in byte 2 (answered as format 0)" "$(hwcheck toc "$OUT/toc1.bin")" "len=20 first=1 last=1"
    expect_eq "scsi-cd READ TOC format 1 (session info, honoured)" "$(hwcheck toc "$OUT/cd-toc1.bin")" "len=12 first=1 last=1"
}

SC_DESC="burn a Debian ISO to a blank tgt DVD+R, then verify it (and a one-byte-corrupted copy must fail with exit 6); tgt's backing file equals the image"
SC_GROUP=burn
SC_NEEDS="burn verify"
SC_TIMEOUT=240
sc_setup() {
    tgt_blank "$RUN/w.img"; add_tgt w "$RUN/w.img"
    cp "$WORK/media/memtest86.iso" "$RUN/corrupt.iso"
    printf '\xff' | dd of="$RUN/corrupt.iso" bs=1 seek=$((1000 * 2048 + 7)) conv=notrunc 2>/dev/null
    guest_script <<'G'
step burn discrw_burn "$DEV_w" /mnt/media/memtest86.iso
step verify discrw_verify "$DEV_w" /mnt/media/memtest86.iso
step verify-bad discrw_verify "$DEV_w" /mnt/host/corrupt.iso
G
}
sc_check() {
    expect_rc burn 0
    expect_image "$RUN/w.img" memtest86
    # tgt has no vendor page 30h: the MODE SENSE for the BURN-Free counter is refused and the
    # summary says so instead of claiming a number (the burn itself is not disturbed).
    grep -q "BURN-Free use not reported by the drive" "$OUT/burn.out" && pass "no BURN-Free count claimed for tgt" || fail "burn summary claims a BURN-Free count tgt cannot give"
    expect_rc verify 0
    expect_rc verify-bad "$EXIT_MISMATCH"
    grep -q 1000 "$OUT/verify-bad.out" "$OUT/verify-bad.err" && pass "verify-bad names LBA 1000" || fail "verify-bad does not name the differing LBA 1000"
}

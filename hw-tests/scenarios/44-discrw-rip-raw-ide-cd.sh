SC_DESC="rip --raw on ide-cd: 2352-byte sectors whose sync and user data equal the ISO; the zeroed EDC/ECC (and binary header addresses) are diagnosed once, not reported as thousands of errors"
SC_GROUP=rip
SC_NEEDS="rip rip:--raw"
SC_TIMEOUT=180
sc_setup() {
    add_ide_cd d "$WORK/media/grub-rescue.iso"
    guest_script <<'G'
hw_wait_ready "$SG_d" 15 || echo "not ready"
step raw discrw_rip_raw "$DEV_d" "$OUT/raw.bin"
G
}
sc_check() {
    local n; n=$(iso_blocks grub-rescue)
    expect_rc raw 0
    need_file "$OUT/raw.bin" || return 0
    expect_eq "raw rip size" "$(stat -c %s "$OUT/raw.bin")" "$((n * 2352))"
    expect_eq "raw rip sectors" "$(hwcheck raw-rip "$OUT/raw.bin" "$WORK/media/grub-rescue.iso")" "sectors=$n bad=0 edc_zero=$n"
    echo "  info: header addresses in the image: $(hwcheck raw-headers "$OUT/raw.bin") (the drive sends binary; ECMA-130 says BCD)"
    grep -qiE 'EDC' "$OUT/raw.err" "$OUT/raw.out" && pass "zeroed EDC/ECC diagnosed: $(grep -hiE -m1 'EDC' "$OUT/raw.err" "$OUT/raw.out")" \
        || fail "no diagnosis naming the zeroed EDC/ECC"
    local e; e=$(cat "$OUT/raw.err" "$OUT/raw.out" | grep -ciE 'error|mismatch' || true)
    [ "$e" -le 5 ] && pass "$e error/mismatch lines (not one per sector)" || fail "$e error/mismatch lines: EDC reported per sector"
}

SC_DESC="tgt blank DVD+R quirks: last LBA 0, READ at 0 rejected, profile DVD+R, no RESERVE TRACK, disc status blank"
SC_GROUP=peer
sc_setup() {
    tgt_blank "$RUN/blank.img"; add_tgt w "$RUN/blank.img"
    guest_script <<'G'
step readcap sg_readcap "$SG_w"
step read0   sg_raw -v -r 2048 "$SG_w" 28 00 00 00 00 00 00 00 01 00
step config  sg_get_config -c "$SG_w"
step reserve sg_raw -v "$SG_w" 53 00 00 00 00 00 00 00 10 00
step rdi     sg_raw -v -r 34 -o "$OUT/rdi.bin" "$SG_w" 51 00 00 00 00 00 00 00 22 00
step rti     sg_raw -v -r 48 -o "$OUT/rti.bin" "$SG_w" 52 01 00 00 00 01 00 00 30 00
step gesn    sg_raw -v -r 8 "$SG_w" 4a 01 00 00 10 00 00 00 08 00
G
}
sc_check() {
    expect_rc readcap 0
    grep -q 'Last LBA=0 ' "$OUT/readcap.out" && pass "READ CAPACITY: last LBA 0" || fail "READ CAPACITY: $(grep -m1 'Last LBA' "$OUT/readcap.out")"
    expect_sense read0 05/21/00
    grep -q 'Current profile: DVD+R' "$OUT/config.out" && pass "current profile DVD+R" || fail "profile: $(grep -m1 'Current profile' "$OUT/config.out")"
    expect_sense reserve 05/20/00
    expect_sense rdi GOOD
    expect_eq "READ DISC INFORMATION disc status (byte 2 & 3)" "$(od -An -tu1 -j2 -N1 "$OUT/rdi.bin" | awk '{print $1 % 4}')" 0
    expect_sense rti GOOD
    expect_eq "blank track NWA valid bit (byte 7 & 1)" "$(od -An -tu1 -j7 -N1 "$OUT/rti.bin" | awk '{print $1 % 2}')" 1
    local s; s=$(hwcheck sense "$OUT/gesn.err")
    [ "$s" != GOOD ] && pass "GET EVENT STATUS NOTIFICATION unsupported ($s)" || fail "GESN answered GOOD"
}

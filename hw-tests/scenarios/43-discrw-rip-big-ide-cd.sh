SC_DESC="rip a generated 210 MB ISO (each block numbered) from QEMU ide-cd (ATAPI through libata); SHA-256 equals the file"
SC_GROUP=rip
SC_NEEDS="rip"
SC_TIMEOUT=300
sc_setup() {
    add_ide_cd d "$WORK/media/big.iso"
    guest_script <<'G'
hw_wait_ready "$SG_d" 15 || echo "not ready"
q=/sys/block/${DEV_d#/dev/}/queue
echo "max_hw_sectors_kb=$(cat $q/max_hw_sectors_kb) max_sectors_kb=$(cat $q/max_sectors_kb) max_segments=$(cat $q/max_segments) max_segment_size=$(cat $q/max_segment_size)" > "$OUT/queue.txt"
step rip discrw_rip "$DEV_d" "$OUT/big.iso"
G
}
sc_check() {
    expect_rc rip 0
    expect_image "$OUT/big.iso" big exact
    echo "  info: rip took $(step_secs rip)s; block queue limits: $(cat "$OUT/queue.txt" 2>/dev/null)"
}

SC_DESC="a drive another opener holds, through the real kernel: disc mounted (sr and sg), sg node open in another process, advisory lock held by flock(1): jobs exit 3 'device busy' with one error line; scan still lists it; freed, the job runs"
SC_GROUP=info
SC_NEEDS="eject scan scan:--json"
sc_setup() {
    add_scsi_cd d "$WORK/media/grub-rescue.iso"
    guest_script <<'G'
mkdir -p /tmp/cd
hw_wait_ready "$SG_d" 15 || echo "not ready"
step mount mount -t iso9660 -o ro "$DEV_d" /tmp/cd
step eject-mounted discrw_eject "$DEV_d"
step eject-mounted-sg discrw_eject "$SG_d"
if discrw rip --help >/dev/null 2>&1 && ! discrw rip -d virtual:/nonexistent /nonexistent/x.iso 2>&1 | grep -q 'not available'; then
    step rip-mounted discrw_rip "$DEV_d" "$OUT/busy.iso"
fi
step scan-mounted discrw_scan
step tur-mounted sg_turs "$SG_d"
umount /tmp/cd
# Another process has the sg node open (sleep never reads it: reading sg would hang).
sleep 60 < "$SG_d" & holder=$!
sleep 0.3
step eject-sgopen discrw_eject "$DEV_d"
kill $holder; wait $holder 2>/dev/null
# A cooperating program holds the advisory lock on the sr node (util-linux flock; the
# subshell becomes the sleep, so killing it drops the lock).
( exec 9< "$DEV_d"; flock -x 9; exec sleep 60 ) & holder=$!
sleep 0.5
step eject-flock discrw_eject "$SG_d"
kill $holder; wait $holder 2>/dev/null
step tur-still-in sg_turs "$SG_d"
step eject-free discrw_eject "$DEV_d"
step tur-out sg_raw -v "$SG_d" 00 00 00 00 00 00
G
}
sc_check() {
    load_drives
    expect_rc mount 0
    expect_error_line eject-mounted "$EXIT_DEVICE" 'busy'
    expect_error_line eject-mounted-sg "$EXIT_DEVICE" 'busy'
    if [ -f "$OUT/rip-mounted.rc" ]; then
        expect_error_line rip-mounted "$EXIT_DEVICE" 'busy'
        [ -s "$OUT/busy.iso" ] && fail "rip of a busy drive left busy.iso" || pass "no image written"
    fi
    expect_rc tur-mounted 0
    expect_rc scan-mounted 0
    local n; n=$(jq --arg a "$DEV_d" "[$J_SCAN_DRIVES | select([.. | strings] | index(\$a))] | length" "$OUT/scan-mounted.out" 2>/dev/null)
    expect_eq "scan lists the mounted drive" "$n" 1
    expect_error_line eject-sgopen "$EXIT_DEVICE" 'busy'
    expect_error_line eject-flock "$EXIT_DEVICE" 'busy'
    expect_rc tur-still-in 0
    expect_rc eject-free 0
    local s; s=$(hwcheck sense "$OUT/tur-out.err")
    [[ $s == 02/3A/* ]] && pass "freed drive ejected ($s)" || fail "after the free eject: TEST UNIT READY $s"
}

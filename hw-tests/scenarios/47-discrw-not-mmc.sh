SC_DESC="devices discrw must refuse through the real kernel: a SCSI disk's sg node (not MMC), and a drive the user may not open (non-root): exit 3 with one error line each"
SC_GROUP=info
SC_NEEDS="info scan scan:--json"
sc_setup() {
    truncate -s 8M "$RUN/disk.img"
    add_scsi_hd disk "$RUN/disk.img"
    add_scsi_cd cd "$WORK/media/grub-rescue.iso"
    guest_script <<'G'
step disk discrw info -d "$SG_disk"
hw_wait_ready "$SG_cd" 15 || echo "not ready"
chmod 0600 "$DEV_cd" "$SG_cd"
step perm /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups discrw info -d "$DEV_cd"
step perm-sg /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups discrw info -d "$SG_cd"
step perm-scan /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups discrw scan --json
G
}
sc_check() {
    expect_error_line disk "$EXIT_DEVICE" 'not an MMC device'
    grep -q 'type 00h' "$OUT/disk.err" && pass "names peripheral type 00h" || fail "does not name peripheral type 00h"
    expect_error_line perm "$EXIT_DEVICE" 'permission denied'
    expect_error_line perm-sg "$EXIT_DEVICE" 'permission denied'
    # scan as that user still lists the drive, with the reason it cannot look inside.
    load_drives
    expect_rc perm-scan 0
    local e; e=$(jq -r --arg s "$SG_cd" "$J_SCAN_DRIVES | select([.. | strings] | index(\$s)) | .error" "$OUT/perm-scan.out" 2>/dev/null)
    [[ $e == *"permission denied"* ]] && pass "scan as non-root lists $SG_cd with: $e" || fail "scan as non-root: $SG_cd row error '$e'"
}

# tgt (Linux SCSI target framework) as an MMC DVD+R writer, on 127.0.0.1 only.
# One tgtd per scenario on a free port and its own control port; killed at scenario end
# and by the EXIT trap in hw-tests/run.

TGT_PID=""; TGT_PORT=""; TGT_TID=0

tgt_start() {
    [ -z "$TGT_PID" ] || return 0
    TGT_PORT=$(free_port 3260 3400) || die "no free port for tgtd"
    "${AS_ROOT[@]}" mkdir -p /var/run/tgtd
    "${AS_ROOT[@]}" tgtd -f --iscsi "portal=127.0.0.1:$TGT_PORT" -C "$TGT_PORT" > "$VMDIR/tgtd.log" 2>&1 &
    TGT_PID=$!
    echo "$TGT_PID" >> "$WORK/pids"
    local n=50
    until "${AS_ROOT[@]}" tgtadm -C "$TGT_PORT" --op show --mode sys > /dev/null 2>&1; do
        n=$((n - 1)); [ "$n" -gt 0 ] || { cat "$VMDIR/tgtd.log" >&2; die "tgtd did not start"; }
        alive "$TGT_PID" || { cat "$VMDIR/tgtd.log" >&2; die "tgtd exited"; }
        sleep 0.1
    done
    TGT_TID=0
}

# tgt_add_lun NAME FILE: sets TGT_URL to the iscsi:// URL QEMU uses (no subshell: it
# may start tgtd, whose pid must stay in this shell).
tgt_add_lun() {
    local name=$1 file=$2 iqn
    tgt_start
    TGT_TID=$((TGT_TID + 1))
    iqn="iqn.2026-01.org.discrw.hw:${SCENARIO//[^a-z0-9]/-}.$name"
    {
        "${AS_ROOT[@]}" tgtadm -C "$TGT_PORT" --lld iscsi --op new --mode target --tid "$TGT_TID" -T "$iqn"
        "${AS_ROOT[@]}" tgtadm -C "$TGT_PORT" --lld iscsi --op new --mode logicalunit --tid "$TGT_TID" --lun 1 \
            --device-type cd -b "$file"
        "${AS_ROOT[@]}" tgtadm -C "$TGT_PORT" --lld iscsi --op bind --mode target --tid "$TGT_TID" -I 127.0.0.1
    } >> "$VMDIR/tgtadm.log" 2>&1 || { cat "$VMDIR/tgtadm.log" >&2; die "tgtadm failed for $file"; }
    TGT_URL="iscsi://127.0.0.1:$TGT_PORT/$iqn/1"
}

tgt_stop() {
    [ -n "$TGT_PID" ] || return 0
    "${AS_ROOT[@]}" kill "$TGT_PID" 2>/dev/null || true
    local n=30
    while alive "$TGT_PID" && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    "${AS_ROOT[@]}" kill -9 "$TGT_PID" 2>/dev/null || true
    wait "$TGT_PID" 2>/dev/null || true
    TGT_PID=""
}

# tgt_blank FILE: a blank DVD+R (0-byte backing file, as tgtimg makes it).
tgt_blank() {
    rm -f "$1"
    tgtimg --op new --device-type cd --type dvd+r --file "$1" > /dev/null \
        || die "tgtimg failed for $1"
    [ ! -s "$1" ] || die "tgtimg made a non-empty blank disc $1"
}

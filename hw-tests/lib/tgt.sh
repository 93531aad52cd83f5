# tgt (Linux SCSI target framework) as an MMC DVD+R writer, on 127.0.0.1 only.
# One tgtd per scenario on a free port and its own control port; killed at scenario end
# and by the EXIT trap in hw-tests/run.

TGT_PID=""; TGT_PORT=""; TGT_TID=0

tgt_start() {
    [ -z "$TGT_PID" ] || return 0
    TGT_PORT=$(free_port 3260 3400) || die "no free port for tgtd"
    mkdir -p /var/run/tgtd
    tgtd -f --iscsi "portal=127.0.0.1:$TGT_PORT" -C "$TGT_PORT" > "$VMDIR/tgtd.log" 2>&1 &
    TGT_PID=$!
    echo "$TGT_PID" >> "$WORK/pids"
    local n=50
    until tgtadm -C "$TGT_PORT" --op show --mode sys > /dev/null 2>&1; do
        n=$((n - 1)); [ "$n" -gt 0 ] || { cat "$VMDIR/tgtd.log" >&2; die "tgtd did not start"; }
        kill -0 "$TGT_PID" 2>/dev/null || { cat "$VMDIR/tgtd.log" >&2; die "tgtd exited"; }
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
        tgtadm -C "$TGT_PORT" --lld iscsi --op new --mode target --tid "$TGT_TID" -T "$iqn"
        tgtadm -C "$TGT_PORT" --lld iscsi --op new --mode logicalunit --tid "$TGT_TID" --lun 1 \
            --device-type cd -b "$file"
        tgtadm -C "$TGT_PORT" --lld iscsi --op bind --mode target --tid "$TGT_TID" -I 127.0.0.1
    } >> "$VMDIR/tgtadm.log" 2>&1 || { cat "$VMDIR/tgtadm.log" >&2; die "tgtadm failed for $file"; }
    TGT_URL="iscsi://127.0.0.1:$TGT_PORT/$iqn/1"
}

tgt_stop() {
    [ -n "$TGT_PID" ] || return 0
    kill "$TGT_PID" 2>/dev/null || true
    local n=30
    while kill -0 "$TGT_PID" 2>/dev/null && [ "$n" -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
    kill -9 "$TGT_PID" 2>/dev/null || true
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

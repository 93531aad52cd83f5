SC_DESC="discrw scan --json lists every MMC drive the kernel has (scsi-cd, ide-cd, tgt writer, empty scsi-cd, and the other drives of the VM), vendor/model as INQUIRY says, and no SCSI disk"
SC_GROUP=info
SC_NEEDS="scan scan:--json"
sc_setup() {
    add_scsi_cd cd "$WORK/media/grub-rescue.iso"
    add_ide_cd ide "$WORK/media/grub-rescue.iso"
    tgt_blank "$RUN/blank.img"; add_tgt w "$RUN/blank.img"
    add_scsi_cd empty
    guest_script <<'G'
step scan discrw_scan
G
}
sc_check() {
    load_drives
    expect_rc scan 0; expect_one_json scan
    local ent name v m dev sg got n
    for ent in cd:QEMU:"QEMU CD-ROM" ide:QEMU:"QEMU DVD-ROM" w:IET:VIRTUAL-CDROM empty:QEMU:"QEMU CD-ROM"; do
        IFS=: read -r name v m <<< "$ent"
        eval "dev=\$DEV_$name sg=\$SG_$name"
        got=$(jq -c --arg a "$dev" --arg b "$sg" "[$J_SCAN_DRIVES | select([.. | strings] | index(\$a) or index(\$b))]" "$OUT/scan.out" 2>/dev/null)
        if [ "$(jq length <<< "${got:-[]}")" != 1 ]; then fail "scan: $name ($dev/$sg) listed $(jq length <<< "${got:-[]}") times"; continue; fi
        expect_eq "scan $name vendor" "$(jq -r ".[0] | $J_SCAN_VENDOR | sub(\" +$\"; \"\")" <<< "$got")" "$v"
        expect_eq "scan $name model" "$(jq -r ".[0] | $J_SCAN_MODEL | sub(\" +$\"; \"\")" <<< "$got")" "$m"
    done
    # Every MMC drive of the VM (other scenarios of the group add theirs), and no disk.
    local mmc g; mmc=$(grep -cvxFf "$VMDIR/non-mmc" <(cut -d' ' -f1 "$VMDIR/drives.conf") || true)
    expect_eq "drives listed (all MMC drives of this VM)" "$(jq "[$J_SCAN_DRIVES] | length" "$OUT/scan.out" 2>/dev/null)" "$mmc"
    while read -r g; do
        sg=$(sed -n "s/^SG_$g=//p" "$VMDIR/drives.env")
        n=$(jq --arg s "$sg" "[$J_SCAN_DRIVES | select([.. | strings] | index(\$s))] | length" "$OUT/scan.out" 2>/dev/null)
        expect_eq "SCSI disk $sg (not MMC) listed" "$n" 0
    done < "$VMDIR/non-mmc"
}

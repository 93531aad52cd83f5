# VMs: scenarios of one group (SC_GROUP; by default each scenario alone) share one VM.
# Each scenario's sc_setup declares drives (add_*) and writes its guest script (guest.sh in
# its $RUN); vm_run boots QEMU once for the group under a hard timeout. The 9p share
# "host" is $WORK/runs: the VM's own files are in $VMDIR ($WORK/runs/vm-GROUP), each
# scenario's in $RUN ($WORK/runs/NAME, /mnt/host in the guest while it runs; $OUT = $RUN/out).

AHCI_PORTS=6   # QEMU's ahci has 6 ports; each is one SCSI host in the guest

vm_reset() { # start a new VM in $VMDIR
    VM_ARGS=(); VM_NEXT_SCSI=0; VM_NEXT_AHCI=0; VM_HAVE_SCSI=0; VM_N=0; VM_MEMBERS=()
    : > "$VMDIR/drives.conf"; : > "$VMDIR/non-mmc"
}

# vm_member NAME PREFIX: the following add_* and guest_script calls belong to scenario
# NAME ($RUN); its drives get PREFIX in the VM-wide names.
vm_member() {
    VM_MEMBERS+=("$1"); VM_PFX=$2
    : > "$RUN/drives.map"
}

_vm_scsi_bus() {
    if [ "$VM_HAVE_SCSI" = 0 ]; then VM_ARGS+=(-device virtio-scsi-pci,id=scsi0); VM_HAVE_SCSI=1; fi
}
_vm_cd_drive() { # ID IMAGE|"" -> a read-only CD drive backend (empty tray when no image)
    if [ -n "$2" ]; then VM_ARGS+=(-drive "if=none,id=$1,media=cdrom,readonly=on,format=raw,file=$2")
    else VM_ARGS+=(-drive "if=none,id=$1,media=cdrom"); fi
}
_vm_name() { # LOCAL BUS ID: record a drive in the VM's drives.conf and the scenario's map
    echo "${VM_PFX}$1 $2 $3" >> "$VMDIR/drives.conf"
    echo "$1 ${VM_PFX}$1" >> "$RUN/drives.map"
}

# add_scsi_cd NAME [IMAGE]: QEMU scsi-cd on virtio-scsi ("QEMU CD-ROM"); no IMAGE = empty.
add_scsi_cd() {
    local id=d$VM_N; VM_N=$((VM_N + 1)); _vm_scsi_bus; _vm_cd_drive "$id" "${2:-}"
    VM_ARGS+=(-device "scsi-cd,drive=$id,bus=scsi0.0,channel=0,scsi-id=$VM_NEXT_SCSI,lun=0")
    _vm_name "$1" virtio "$VM_NEXT_SCSI"; VM_NEXT_SCSI=$((VM_NEXT_SCSI + 1))
}

# add_scsi_hd NAME IMAGE: a QEMU scsi-hd (a disk, peripheral type 0) on virtio-scsi. The
# guest has no sd_mod, so it gets only SG_NAME (DEV_NAME is empty).
add_scsi_hd() {
    local id=d$VM_N; VM_N=$((VM_N + 1)); _vm_scsi_bus
    VM_ARGS+=(-drive "if=none,id=$id,format=raw,file=$2")
    VM_ARGS+=(-device "scsi-hd,drive=$id,bus=scsi0.0,channel=0,scsi-id=$VM_NEXT_SCSI,lun=0")
    _vm_name "$1" virtio "$VM_NEXT_SCSI"; VM_NEXT_SCSI=$((VM_NEXT_SCSI + 1))
    echo "${VM_PFX}$1" >> "$VMDIR/non-mmc"
}

# add_ide_cd NAME [IMAGE]: QEMU ide-cd on AHCI, ATAPI through libata ("QEMU DVD-ROM").
# A new AHCI controller every 6 drives; the guest counts ports over controllers in order.
add_ide_cd() {
    local id=d$VM_N c=$((VM_NEXT_AHCI / AHCI_PORTS)) p=$((VM_NEXT_AHCI % AHCI_PORTS))
    VM_N=$((VM_N + 1))
    [ "$p" != 0 ] || VM_ARGS+=(-device "ahci,id=ahci$c")
    _vm_cd_drive "$id" "${2:-}"
    VM_ARGS+=(-device "ide-cd,drive=$id,bus=ahci$c.$p")
    _vm_name "$1" ahci "$VM_NEXT_AHCI"; VM_NEXT_AHCI=$((VM_NEXT_AHCI + 1))
}

# add_tgt NAME BACKING_FILE: a tgt MMC LUN (blank DVD+R when BACKING_FILE is empty),
# attached through QEMU's iSCSI initiator as a scsi-generic device on virtio-scsi.
add_tgt() {
    local id=d$VM_N url; VM_N=$((VM_N + 1)); _vm_scsi_bus
    tgt_add_lun "$1" "$2"; url=$TGT_URL
    VM_ARGS+=(-drive "file=$url,if=none,id=$id,format=raw,cache=none")
    VM_ARGS+=(-device "scsi-generic,drive=$id,bus=scsi0.0,channel=0,scsi-id=$VM_NEXT_SCSI,lun=0")
    _vm_name "$1" virtio "$VM_NEXT_SCSI"; VM_NEXT_SCSI=$((VM_NEXT_SCSI + 1))
}

# guest_script: stdin becomes the scenario's guest.sh (after a preamble giving it the
# helpers from guest/lib.sh and the DEV_/SG_ variables of its drives).
guest_script() {
    { echo '. /mnt/tools/lib.sh; . /mnt/tools/discrw-interface.sh'; echo 'set -a; . /mnt/host/drives.env; set +a'
      echo 'export OUT=/mnt/host/out PATH=/mnt/tools/bin:/usr/bin:/bin:/sbin'; cat; } > "$RUN/guest.sh"
}

# vm_run TIMEOUT_SECONDS: boot, run each member's guest.sh in order, power off. Returns
# non-zero (and says why) if the VM timed out, crashed or did not find its drives; members
# that finished before that still have their guest.rc. Sets VM_SECS (wall time).
vm_run() {
    local t=$1 rc=0 mem=${HW_VM_MEM:-768} t0 m
    rm -f "$VMDIR/guest.rc"
    { echo '. /mnt/tools/lib.sh'; for m in "${VM_MEMBERS[@]}"; do echo "hw_member $m"; done; } > "$VMDIR/guest.sh"
    for m in "${VM_MEMBERS[@]}"; do
        [ -s "$WORK/runs/$m/guest.sh" ] || { echo "  scenario $m wrote no guest.sh"; return 1; }
    done
    t0=$(date +%s.%N)
    timeout --kill-after=10 "$t" qemu-system-x86_64 \
        -accel tcg -cpu max -smp 1 -m "$mem" -nodefaults -no-reboot -display none \
        -serial "file:$VMDIR/serial.log" \
        -kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD" \
        -append "console=ttyS0 panic=-1 $GUEST_CMDLINE hw.vm=${VMDIR##*/}" \
        -virtfs "local,path=$WORK/runs,mount_tag=host,security_model=none,id=host0" \
        -virtfs "local,path=$WORK/tools,mount_tag=tools,security_model=none,id=tools0,readonly=on" \
        -virtfs "local,path=$WORK/media,mount_tag=media,security_model=none,id=media0,readonly=on" \
        "${VM_ARGS[@]}" > "$VMDIR/qemu.log" 2>&1 || rc=$?
    VM_SECS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        echo "  VM TIMEOUT after ${t}s"; tail -n 20 "$VMDIR/serial.log" 2>/dev/null | sed 's/^/  serial| /'
        return 1
    fi
    if [ "$rc" != 0 ]; then
        echo "  qemu exited $rc"; tail -n 20 "$VMDIR/qemu.log" | sed 's/^/  qemu| /'; return 1
    fi
    if grep -q 'not found' "$VMDIR/drives.log" 2>/dev/null; then
        echo "  guest did not find every drive:"; sed 's/^/  | /' "$VMDIR/drives.log"
        sed 's/^/  conf| /' "$VMDIR/drives.conf"; return 1
    fi
    if [ ! -s "$VMDIR/guest.rc" ]; then
        echo "  guest never reported an exit code"; tail -n 30 "$VMDIR/serial.log" 2>/dev/null | sed 's/^/  serial| /'
        return 1
    fi
    return 0
}

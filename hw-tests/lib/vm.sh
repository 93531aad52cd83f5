# One VM per scenario: the scenario declares drives (add_*), writes its guest script
# (guest.sh in $RUN), then vm_run boots QEMU under a hard timeout and collects results
# through the 9p share $RUN (mounted at /mnt/host in the guest; $OUT = $RUN/out).

vm_reset() { # RUN dir for the scenario
    VM_ARGS=(); VM_NEXT_SCSI=0; VM_NEXT_AHCI=0; VM_HAVE_SCSI=0; VM_HAVE_AHCI=0; VM_N=0
    : > "$RUN/drives.conf"
}

_vm_scsi_bus() {
    if [ "$VM_HAVE_SCSI" = 0 ]; then VM_ARGS+=(-device virtio-scsi-pci,id=scsi0); VM_HAVE_SCSI=1; fi
}
_vm_ahci_bus() {
    if [ "$VM_HAVE_AHCI" = 0 ]; then VM_ARGS+=(-device ahci,id=ahci0); VM_HAVE_AHCI=1; fi
}
_vm_cd_drive() { # ID IMAGE|"" -> a read-only CD drive backend (empty tray when no image)
    if [ -n "$2" ]; then VM_ARGS+=(-drive "if=none,id=$1,media=cdrom,readonly=on,format=raw,file=$2")
    else VM_ARGS+=(-drive "if=none,id=$1,media=cdrom"); fi
}

# add_scsi_cd NAME [IMAGE]: QEMU scsi-cd on virtio-scsi ("QEMU CD-ROM"); no IMAGE = empty.
add_scsi_cd() {
    local id=d$VM_N; VM_N=$((VM_N + 1)); _vm_scsi_bus; _vm_cd_drive "$id" "${2:-}"
    VM_ARGS+=(-device "scsi-cd,drive=$id,bus=scsi0.0,channel=0,scsi-id=$VM_NEXT_SCSI,lun=0")
    echo "$1 virtio $VM_NEXT_SCSI" >> "$RUN/drives.conf"; VM_NEXT_SCSI=$((VM_NEXT_SCSI + 1))
}

# add_ide_cd NAME [IMAGE]: QEMU ide-cd on AHCI, ATAPI through libata ("QEMU DVD-ROM").
add_ide_cd() {
    local id=d$VM_N; VM_N=$((VM_N + 1)); _vm_ahci_bus; _vm_cd_drive "$id" "${2:-}"
    VM_ARGS+=(-device "ide-cd,drive=$id,bus=ahci0.$VM_NEXT_AHCI")
    echo "$1 ahci $VM_NEXT_AHCI" >> "$RUN/drives.conf"; VM_NEXT_AHCI=$((VM_NEXT_AHCI + 1))
}

# add_tgt NAME BACKING_FILE: a tgt MMC LUN (blank DVD+R when BACKING_FILE is empty),
# attached through QEMU's iSCSI initiator as a scsi-generic device on virtio-scsi.
add_tgt() {
    local id=d$VM_N url; VM_N=$((VM_N + 1)); _vm_scsi_bus
    tgt_add_lun "$1" "$2"; url=$TGT_URL
    VM_ARGS+=(-drive "file=$url,if=none,id=$id,format=raw,cache=none")
    VM_ARGS+=(-device "scsi-generic,drive=$id,bus=scsi0.0,channel=0,scsi-id=$VM_NEXT_SCSI,lun=0")
    echo "$1 virtio $VM_NEXT_SCSI" >> "$RUN/drives.conf"; VM_NEXT_SCSI=$((VM_NEXT_SCSI + 1))
}

# guest_script: stdin becomes the scenario's guest.sh (after a preamble giving it the
# helpers from guest/lib.sh and the DEV_/SG_ variables of its drives).
guest_script() {
    { echo '. /mnt/tools/lib.sh; . /mnt/tools/discrw-interface.sh'; echo 'set -a; . /mnt/host/drives.env; set +a'
      echo 'export OUT=/mnt/host/out PATH=/mnt/tools/bin:/usr/bin:/bin:/sbin'; cat; } > "$RUN/guest.sh"
}

# vm_run TIMEOUT_SECONDS: boot, run guest.sh, power off. Returns non-zero (and says why)
# if the VM timed out or the guest never reported an exit code.
vm_run() {
    local t=$1 rc=0 mem=${HW_VM_MEM:-768}
    mkdir -p "$RUN/out"; rm -f "$RUN/guest.rc"
    [ -s "$RUN/guest.sh" ] || { echo "  scenario wrote no guest.sh"; return 1; }
    timeout --kill-after=10 "$t" qemu-system-x86_64 \
        -accel tcg -cpu max -smp 1 -m "$mem" -nodefaults -no-reboot -display none \
        -serial "file:$RUN/serial.log" \
        -kernel "$GUEST_KERNEL" -initrd "$GUEST_INITRD" \
        -append "console=ttyS0 panic=-1 loglevel=4 quiet" \
        -virtfs "local,path=$RUN,mount_tag=host,security_model=none,id=host0" \
        -virtfs "local,path=$WORK/tools,mount_tag=tools,security_model=none,id=tools0,readonly=on" \
        -virtfs "local,path=$WORK/media,mount_tag=media,security_model=none,id=media0,readonly=on" \
        -qmp "unix:$RUN/qmp.sock,server=on,wait=off" \
        "${VM_ARGS[@]}" > "$RUN/qemu.log" 2>&1 || rc=$?
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        echo "  VM TIMEOUT after ${t}s"; tail -n 20 "$RUN/serial.log" 2>/dev/null | sed 's/^/  serial| /'
        return 1
    fi
    if [ "$rc" != 0 ]; then
        echo "  qemu exited $rc"; tail -n 20 "$RUN/qemu.log" | sed 's/^/  qemu| /'; return 1
    fi
    if [ ! -s "$RUN/guest.rc" ]; then
        echo "  guest never reported an exit code"; tail -n 30 "$RUN/serial.log" 2>/dev/null | sed 's/^/  serial| /'
        return 1
    fi
    if grep -q 'not found' "$RUN/drives.log" 2>/dev/null; then
        echo "  guest did not find every drive:"; sed 's/^/  | /' "$RUN/drives.log"
        cat "$RUN/drives.conf" | sed 's/^/  conf| /'; return 1
    fi
    return 0
}

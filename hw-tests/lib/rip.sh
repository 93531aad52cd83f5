# Rip scenarios that differ only in the bus of their drive (QEMU scsi-cd on virtio-scsi,
# ide-cd on AHCI): the scenario files keep their SC_* variables and call these from
# sc_setup (with BUS: scsi or ide) and sc_check.

# rip_debian_setup BUS: the three ISOs shipped in Debian packages (grub-rescue-pc,
# memtest86+, ipxe), each on its own drive, each ripped once the drive is ready.
rip_debian_setup() {
    local i
    for i in grub-rescue memtest86 ipxe; do "add_$1_cd" "${i//-/_}" "$WORK/media/$i.iso"; done
    guest_script <<'G'
for i in grub_rescue memtest86 ipxe; do
    eval "hw_wait_ready \$SG_$i 15" || echo "not ready: $i"
    eval "dev=\$DEV_$i"
    step "rip-$i" discrw_rip "$dev" "$OUT/$i.iso"
done
G
}
rip_debian_check() {
    local i
    for i in grub-rescue memtest86 ipxe; do
        expect_rc "rip-${i//-/_}" 0
        expect_image "$OUT/${i//-/_}.iso" "$i" exact
    done
}

# rip_big_setup BUS: the generated 210 MB ISO; the guest also records the block queue
# limits, which bound the transfer size the kernel lets through.
rip_big_setup() {
    "add_$1_cd" d "$WORK/media/big.iso"
    guest_script <<'G'
hw_wait_ready "$SG_d" 15 || echo "not ready"
q=/sys/block/${DEV_d#/dev/}/queue
echo "max_hw_sectors_kb=$(cat $q/max_hw_sectors_kb) max_sectors_kb=$(cat $q/max_sectors_kb) max_segments=$(cat $q/max_segments) max_segment_size=$(cat $q/max_segment_size)" > "$OUT/queue.txt"
step rip discrw_rip "$DEV_d" "$OUT/big.iso"
G
}
rip_big_check() {
    expect_rc rip 0
    expect_image "$OUT/big.iso" big exact
    echo "  info: rip took $(step_secs rip)s; block queue limits: $(cat "$OUT/queue.txt" 2>/dev/null)"
}

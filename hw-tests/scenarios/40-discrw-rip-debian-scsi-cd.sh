SC_DESC="rip three ISOs shipped in Debian packages (grub-rescue-pc, memtest86+, ipxe) from QEMU scsi-cd; SHA-256 equals the file"
SC_GROUP=rip
SC_NEEDS="rip"
SC_TIMEOUT=180
sc_setup() {
    local i
    for i in grub-rescue memtest86 ipxe; do add_scsi_cd "${i//-/_}" "$WORK/media/$i.iso"; done
    guest_script <<'G'
for i in grub_rescue memtest86 ipxe; do
    eval "dev=\$DEV_$i"
    step "rip-$i" discrw_rip "$dev" "$OUT/$i.iso"
done
G
}
sc_check() {
    local i
    for i in grub-rescue memtest86 ipxe; do
        expect_rc "rip-${i//-/_}" 0
        expect_image "$OUT/${i//-/_}.iso" "$i" exact
    done
}

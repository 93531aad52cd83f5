SC_DESC="dd (through sr) and readom (through SG) read Debian ISOs from scsi-cd and ide-cd bit-exactly"
SC_GROUP=peer
sc_setup() {
    add_scsi_cd cd "$WORK/media/memtest86.iso"
    add_ide_cd ide "$WORK/media/ipxe.iso"
    guest_script <<'G'
hw_wait_ready "$SG_ide" 15 || echo "ide-cd never ready"
step dd-cd dd if="$DEV_cd" of="$OUT/dd-cd.iso" bs=64k
step dd-ide dd if="$DEV_ide" of="$OUT/dd-ide.iso" bs=64k
step readom-cd readom dev="$DEV_cd" f="$OUT/readom-cd.iso"
step readom-ide readom dev="$DEV_ide" f="$OUT/readom-ide.iso"
G
}
sc_check() {
    local s
    for s in dd-cd readom-cd dd-ide readom-ide; do expect_rc "$s" 0; done
    expect_image "$OUT/dd-cd.iso" memtest86 exact
    expect_image "$OUT/readom-cd.iso" memtest86 exact
    expect_image "$OUT/dd-ide.iso" ipxe exact
    expect_image "$OUT/readom-ide.iso" ipxe exact
}

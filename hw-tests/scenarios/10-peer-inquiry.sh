SC_DESC="guest kernel attaches each drive kind (sr + sg); sg_inq names it"
SC_GROUP=peer
sc_setup() {
    add_scsi_cd cd "$WORK/media/grub-rescue.iso"
    add_ide_cd ide "$WORK/media/grub-rescue.iso"
    tgt_blank "$RUN/blank.img"; add_tgt w "$RUN/blank.img"
    guest_script <<'G'
for d in cd ide w; do
    eval "dev=\$DEV_$d sg=\$SG_$d"
    step "inq-$d" sg_inq "$sg"
    step "inq-sr-$d" sg_inq "$dev"
done
G
}
sc_check() {
    local d want
    for d in cd:"QEMU:QEMU CD-ROM" ide:"QEMU:QEMU DVD-ROM" w:"IET:VIRTUAL-CDROM"; do
        IFS=: read -r d v p <<< "$d"
        expect_rc "inq-$d" 0; expect_rc "inq-sr-$d" 0
        expect_eq "$d vendor" "$(sed -n 's/^ *Vendor identification: *//p' "$OUT/inq-$d.out" | sed 's/ *$//')" "$v"
        expect_eq "$d product" "$(sed -n 's/^ *Product identification: *//p' "$OUT/inq-$d.out" | sed 's/ *$//')" "$p"
        grep -q 'Peripheral device type: cd/dvd' "$OUT/inq-$d.out" && pass "$d is an MMC (cd/dvd) device" || fail "$d device type"
        cmp -s "$OUT/inq-$d.out" "$OUT/inq-sr-$d.out" && pass "$d: same answer through /dev/sr and /dev/sg" || fail "$d: sr and sg INQUIRY differ"
    done
}

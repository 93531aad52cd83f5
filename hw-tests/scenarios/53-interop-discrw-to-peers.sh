SC_DESC="interop: a disc burned by discrw is read back by sg_dd, by dd after an SG-level eject+load, and passes xorriso -check_media"
SC_GROUP=burn
SC_NEEDS="burn"
SC_TIMEOUT=240
sc_setup() {
    tgt_blank "$RUN/w.img"; add_tgt w "$RUN/w.img"
    guest_script <<G
N=$(iso_blocks grub-rescue)
G
    cat >> "$RUN/guest.sh" <<'G'
step burn discrw_burn "$DEV_w" /mnt/media/grub-rescue.iso
step sgdd sg_dd if="$SG_w" of="$OUT/sgdd.iso" bs=2048 bpt=32 count=$N
sg_start --eject "$SG_w"; sg_start --load "$SG_w"; hw_wait_ready "$SG_w" 10
step dd dd if="$DEV_w" of="$OUT/dd.iso" bs=64k
step check xorriso -abort_on NEVER -indev "$DEV_w" -check_media what=disc min_lba=0 max_lba=$((N - 1)) --
G
}
sc_check() {
    expect_rc burn 0
    expect_image "$RUN/w.img" grub-rescue
    expect_rc sgdd 0; expect_image "$OUT/sgdd.iso" grub-rescue exact
    expect_rc dd 0; expect_image "$OUT/dd.iso" grub-rescue
    expect_rc check 0; expect_check_media check "$(iso_blocks grub-rescue)"
}

SC_DESC="interop: a disc burned by discrw is read back by sg_dd, by dd through /dev/srN after an eject + load the sr driver sees, and passes xorriso -check_media"
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
# tgt sends no media-change event, so the kernel keeps the blank size. Eject through the sr
# node, open it while the tray is out (the sr driver's TUR sees no medium), load: the next
# open sees the medium come back and re-reads the capacity.
cat /sys/block/${DEV_w#/dev/}/size > "$OUT/srsize-after-burn"
step eject sg_start --eject "$DEV_w"
step tur-out sg_raw -v "$DEV_w" 00 00 00 00 00 00
step load sg_start --load "$DEV_w"
hw_wait_ready "$SG_w" 10
sg_turs "$DEV_w" > /dev/null 2>&1
cat /sys/block/${DEV_w#/dev/}/size > "$OUT/srsize-after-load"
step dd dd if="$DEV_w" of="$OUT/dd.iso" bs=64k
step check xorriso -abort_on NEVER -indev "$DEV_w" -check_media what=disc min_lba=0 max_lba=$((N - 1)) --
G
}
sc_check() {
    expect_rc burn 0
    expect_image "$RUN/w.img" grub-rescue
    expect_rc sgdd 0; expect_image "$OUT/sgdd.iso" grub-rescue exact
    echo "  info: /dev/srN size: $(cat "$OUT/srsize-after-burn") x 512 after the burn, $(cat "$OUT/srsize-after-load") after eject + load; TUR with the tray out: $(hwcheck sense "$OUT/tur-out.err")"
    expect_rc dd 0; expect_image "$OUT/dd.iso" grub-rescue
    expect_rc check 0; expect_check_media check "$(iso_blocks grub-rescue)"
}

SC_DESC="growisofs burns a Debian ISO to a blank tgt DVD+R; tgt's backing file, sg_dd read-back and xorriso -check_media agree"
SC_GROUP=peer
SC_TIMEOUT=180
sc_setup() {
    tgt_blank "$RUN/w.img"; add_tgt w "$RUN/w.img"
    local n; n=$(iso_blocks memtest86)
    guest_script <<G
N=$n
G
    cat >> "$RUN/guest.sh" <<'G'
step burn growisofs -dvd-compat -Z "$DEV_w=/mnt/media/memtest86.iso"
cat /sys/block/${DEV_w#/dev/}/size > "$OUT/srsize-after-burn"
step sgdd sg_dd if="$SG_w" of="$OUT/sgdd.iso" bs=2048 bpt=32 count=$N
step dd dd if="$DEV_w" of="$OUT/dd.iso" bs=64k
step check xorriso -abort_on NEVER -indev "$DEV_w" -check_media what=disc min_lba=0 max_lba=$((N - 1)) --
step readcap sg_readcap "$SG_w"
step config sg_get_config -c "$SG_w"
G
}
sc_check() {
    expect_rc burn 0
    expect_image "$RUN/w.img" memtest86
    expect_rc sgdd 0
    expect_image "$OUT/sgdd.iso" memtest86 exact
    echo "  info: /dev/srN size after burn: $(cat "$OUT/srsize-after-burn") x 512 bytes; dd read $(stat -c %s "$OUT/dd.iso" 2>/dev/null) bytes (rc $(rc_of dd))"
    expect_rc check 0
    expect_check_media check "$(iso_blocks memtest86)"
    grep -q 'Current profile: DVD-ROM' "$OUT/config.out" && pass "closed tgt disc reports DVD-ROM (tgt quirk; a real drive says DVD+R complete)" \
        || echo "  info: profile after burn: $(grep -m1 'Current profile' "$OUT/config.out")"
}

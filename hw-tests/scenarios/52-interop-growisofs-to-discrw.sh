SC_DESC="interop: a disc burned by growisofs is ripped by discrw (equal to the image, padding aside) and verified by discrw"
SC_GROUP=burn
SC_NEEDS="rip verify"
SC_TIMEOUT=240
sc_setup() {
    tgt_blank "$RUN/w.img"; add_tgt w "$RUN/w.img"
    guest_script <<'G'
step grow growisofs -dvd-compat -Z "$DEV_w=/mnt/media/memtest86.iso"
step rip discrw_rip "$DEV_w" "$OUT/rip.iso"
step verify discrw_verify "$DEV_w" /mnt/media/memtest86.iso
G
}
sc_check() {
    expect_rc grow 0
    expect_image "$RUN/w.img" memtest86
    expect_rc rip 0
    expect_image "$OUT/rip.iso" memtest86
    expect_rc verify 0
}

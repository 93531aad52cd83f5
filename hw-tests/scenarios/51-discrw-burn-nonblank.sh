SC_DESC="burn to a disc that already holds data (tgt DVD-ROM): exit 4 (not blank), one error line, the disc is untouched"
SC_GROUP=burn
SC_NEEDS="burn"
sc_setup() {
    cp "$WORK/media/grub-rescue.iso" "$RUN/written.img"; add_tgt w "$RUN/written.img"
    guest_script <<'G'
step burn discrw_burn "$DEV_w" /mnt/media/memtest86.iso
G
}
sc_check() {
    expect_error_line burn "$EXIT_MEDIA" 'blank|not (a )?(empty|writable)|written'
    expect_image "$RUN/written.img" grub-rescue exact
}

SC_DESC="cdrskin (libburn) in TAO mode burns a Debian ISO to a blank tgt DVD+R; backing file equals the image"
SC_GROUP=peer
SC_TIMEOUT=180
sc_setup() {
    tgt_blank "$RUN/w.img"; add_tgt w "$RUN/w.img"
    guest_script <<'G'
step burn cdrskin -v dev="$DEV_w" -tao /mnt/media/grub-rescue.iso
G
}
sc_check() {
    expect_rc burn 0
    expect_image "$RUN/w.img" grub-rescue
}

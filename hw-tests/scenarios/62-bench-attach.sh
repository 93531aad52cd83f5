SC_DESC="benchmark: the attached drive (discrw virtual attach) beside QEMU's scsi-cd and tgt's LUN in the same VM: dd bs=1M of the big ISO from each; growisofs burning it to an attached blank DVD+R vs a tgt blank DVD+R (figures; reads checked bit-exact, burns verified). The attached drive's files sit in the guest's tmpfs, as tgt's and QEMU's sit in the host's page cache"
SC_GROUP=bench
SC_NEEDS="virtual"
SC_TIMEOUT=900
sc_setup() {
    cat "$WORK/media/big.iso" > /dev/null   # host page cache warm for every reader alike
    cp "$WORK/media/big.iso" "$RUN/tgt-rom.img"
    add_scsi_cd cd "$WORK/media/big.iso"
    add_tgt rom "$RUN/tgt-rom.img"
    tgt_blank "$RUN/tgt-w.img"; add_tgt w "$RUN/tgt-w.img"
    guest_script <<'G'
ATT_TRACE=0   # users attach without --trace
hw_wait_ready "$SG_cd" 15 || echo "not ready"
step dd-scsicd dd if="$DEV_cd" of=/dev/null bs=1M
step dd-tgt dd if="$DEV_rom" of=/dev/null bs=1M
step copy cp /mnt/media/big.iso /tmp/big.iso
# The guest's own floor: the same bytes from tmpfs, no drive at all.
step dd-floor dd if=/tmp/big.iso of=/dev/null bs=1M
step attach-rom discrw_attach brom /tmp/big.iso
step dd-attach dd if="$ATT_SR" of=/dev/null bs=1M
step sha-attach sh -c "dd if=$ATT_SR bs=1M 2>/dev/null | sha256sum"
detach_label brom
rm -f /tmp/big.iso
step grow-tgt growisofs -dvd-compat -Z "$DEV_w=/mnt/media/big.iso"
step create-bw discrw_vcreate dvd+r /tmp/bw.medium
step attach-bw discrw_attach bw /tmp/bw.medium
step grow-attach growisofs -dvd-compat -Z "$ATT_SR=/mnt/media/big.iso"
detach_label bw
step keep-bw cp /tmp/bw.medium /mnt/host/bw.medium
G
}
sc_check() {
    expect_rc dd-scsicd 0; expect_rc dd-tgt 0; expect_rc dd-floor 0
    expect_rc attach-rom 0; expect_rc dd-attach 0; expect_rc sha-attach 0
    expect_eq "SHA-256 read through the attached drive" "$(cut -d' ' -f1 "$OUT/sha-attach.out")" "$(iso_sha big)"
    expect_rc grow-tgt 0; expect_image "$RUN/tgt-w.img" big
    attach_expect_steps bw create attach detach keep; expect_rc grow-attach 0
    attach_check_medium bw "$RUN/bw.medium" "$WORK/media/big.iso" complete
    local mb a s t f r
    mb=$(awk -v b="$(iso_size big)" 'BEGIN{printf "%.0f", b/1048576}')
    r() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.2f", a/b}'; }
    a=$(step_secs dd-attach); s=$(step_secs dd-scsicd); t=$(step_secs dd-tgt); f=$(step_secs dd-floor)
    bench_line "read dd bs=1M ${mb} MB: attached ${a}s  scsi-cd ${s}s  tgt ${t}s  guest tmpfs floor ${f}s"
    bench_line "read ratio attached/peer (time; below 1 = attached faster):  /scsi-cd $(r "$a" "$s")  /tgt $(r "$a" "$t")  /guest floor $(r "$a" "$f")"
    a=$(step_secs grow-attach); t=$(step_secs grow-tgt)
    bench_line "growisofs DVD+R ${mb} MB: attached ${a}s  tgt ${t}s  ratio attached/tgt $(r "$a" "$t")"
}

SC_DESC="virtual attach of a Debian ISO: a real /dev/srN (TCMU + tcm_loop) that dd reads bit-exactly and the kernel's isofs mounts; detach removes it"
SC_GROUP=attach
SC_NEEDS="virtual"
SC_TIMEOUT=180
sc_setup() {
    guest_script <<'G'
step attach sh -c 'discrw virtual attach /mnt/media/memtest86.iso --name t0 --json --trace "$OUT/trace.jsonl" > "$OUT/attach.json" 2> "$OUT/attach.log" &
  i=0; while [ $i -lt 150 ]; do grep -q "\"attached\"" "$OUT/attach.json" 2>/dev/null && exit 0; sleep 0.2; i=$((i+1)); done; cat "$OUT/attach.log" >&2; exit 1'
SR=$(sed -n 's/.*"sr":"\([^"]*\)".*/\1/p' "$OUT/attach.json")
step list discrw virtual list
step dd dd if="$SR" of="$OUT/dd.iso" bs=1M
step mount sh -c "mkdir -p /tmp/m && mount -t iso9660 -o ro $SR /tmp/m && ls -R /tmp/m && umount /tmp/m"
step detach discrw virtual detach t0
step gone sh -c "sleep 1; ! test -e $SR"
G
}
sc_check() {
    local s
    for s in attach list dd mount detach gone; do expect_rc "$s" 0; done
    expect_image "$OUT/dd.iso" memtest86 exact
}

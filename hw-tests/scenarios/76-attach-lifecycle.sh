SC_DESC="virtual attach lifecycle through the kernel: SIGKILL of an attach mid-write (sg_dd WRITEs to an attached DVD+RW) is cleaned up by the next virtual detach, every block sg_dd saw completed is in the medium file; a second killed attach is cleaned up by the next attach of that name; the tray: PREVENT blocks eject, ALLOW then eject, GET EVENT STATUS NOTIFICATION reports the new medium after virtual load"
SC_GROUP=attach
SC_NEEDS="virtual"
SC_TIMEOUT=300
sc_setup() {
    # 64 MiB of numbered blocks (more than the guest writes in the 2 s before the kill): what sg_dd writes over the DVD+RW.
    python3 - "$RUN/pattern.bin" <<'PY'
import sys
with open(sys.argv[1], "wb") as f:
    for i in range(32768):
        f.write((b"discrw attach-lifecycle block %8d\n" % i).ljust(2048, b"."))
PY
    guest_script <<'G'
# 1. SIGKILL mid-write; detach by name cleans up.
if attach_blank rw dvd+rw; then
    step format-rw growisofs -Z "$ATT_SR=/mnt/media/ipxe.iso"
    sg_dd if=/mnt/host/pattern.bin of="$ATT_SG" bs=2048 bpt=16 count=32768 > "$OUT/write-rw.out" 2> "$OUT/write-rw.err" &
    W=$!
    sleep 2
    step kill-rw kill -9 "$ATT_PID"
    step list-dead discrw virtual list
    step detach-dead discrw virtual detach rw
    wait $W; echo $? > "$OUT/write-rw.rc"
    step gone-rw sh -c "sleep 1; ! test -e $ATT_SR && ! ls -d /sys/kernel/config/target/core/user_*/rw 2>/dev/null && ! test -e /run/discrw/attach/rw.json"
fi
# 2. SIGKILL; the next attach of the same name cleans up and serves.
step attach-k discrw_attach k0 /mnt/media/memtest86.iso
step kill-k kill -9 "$ATT_PID"
sleep 0.5
step attach-again discrw_attach k0 /mnt/media/grub-rescue.iso
step dd-again dd if="$ATT_SR" of="$OUT/again.iso" bs=64k
# 3. The tray, through the kernel.
step prevent sg_prevent --prevent=1 "$ATT_SG"
step eject-prevented sg_start --eject "$ATT_SG"
step allow sg_prevent --allow "$ATT_SG"
step eject sg_start --eject "$ATT_SG"
step tur-open sg_turs "$ATT_SG"
step load discrw virtual load k0 /mnt/media/memtest86.iso
# The kernel hears of the new medium (GET EVENT STATUS NOTIFICATION / UNIT ATTENTION on open).
step dd-loaded dd if="$ATT_SR" of="$OUT/loaded.iso" bs=64k
# Again, with the event read by hand: media class, NewMedia (event code 2), medium present.
step eject2 sg_start --eject "$ATT_SG"
step load2 discrw virtual load k0 /mnt/media/ipxe.iso
step gesn sg_raw -r 8 "$ATT_SG" 4a 01 00 00 10 00 00 00 08 00
detach_label k0
G
}
sc_check() {
    attach_expect_steps rw create attach format
    expect_rc kill-rw 0; expect_rc list-dead 0
    grep -q rw "$OUT/list-dead.out" && pass "virtual list shows the dead attach" || fail "virtual list does not show the dead attach"
    expect_rc detach-dead 0; expect_rc gone-rw 0
    # Every block sg_dd reported written is in the medium file.
    local n
    n=$(sed -n 's/^\([0-9]*\)+0 records out/\1/p' "$OUT/write-rw.err" | head -n1)
    if [ -n "$n" ] && [ "$n" -gt 0 ]; then
        "$DISCRW_HOST_BIN" rip -d "virtual:$RUN/rw.medium" "$OUT/rw.rip.iso" > "$OUT/rip-rw.out" 2> "$OUT/rip-rw.err"
        if [ "$(head -c $((n * 2048)) "$OUT/rw.rip.iso" | sha256sum)" = "$(head -c $((n * 2048)) "$RUN/pattern.bin" | sha256sum)" ]; then
            pass "the $n blocks sg_dd saw completed are in the medium file"
        else fail "the medium file lacks some of the $n blocks sg_dd saw completed"; fi
        [ "$(rc_of write-rw)" != 0 ] && pass "sg_dd was cut off by the kill (exit $(rc_of write-rw))" \
            || fail "sg_dd finished all 32768 blocks before the kill: the kill was not mid-write"
    else fail "sg_dd reported no completed blocks: $(tail -n 3 "$OUT/write-rw.err" 2>/dev/null | tr '\n' ' ')"; fi
    expect_rc attach-k 0; expect_rc kill-k 0; expect_rc attach-again 0; expect_rc dd-again 0
    expect_image "$OUT/again.iso" grub-rescue exact
    expect_rc prevent 0
    if [ "$(rc_of eject-prevented)" != 0 ]; then pass "eject refused while PREVENT is set"; else fail "eject succeeded while PREVENT was set"; fi
    expect_rc allow 0; expect_rc eject 0
    if [ "$(rc_of tur-open)" != 0 ]; then pass "TEST UNIT READY fails with the tray open"; else fail "TEST UNIT READY passed with the tray open"; fi
    expect_rc load 0; expect_rc dd-loaded 0
    expect_image "$OUT/loaded.iso" memtest86 exact
    expect_rc eject2 0; expect_rc load2 0; expect_rc gesn 0
    # sg_raw's hex dump: header (event data length, class 4 = media), then the media event.
    local ev; ev=$(cat "$OUT/gesn.out" "$OUT/gesn.err" | sed -n 's/^ *00  *\(\([0-9a-f][0-9a-f] *\)\{8\}\).*/\1/p' | head -n1)
    set -- $ev
    if [ "${3:-}" = 04 ] && [ "${5:-}" = 02 ] && [ $(( 0x${6:-0} & 2 )) = 2 ]; then pass "GESN: media class, NewMedia, medium present ($ev)"
    else fail "GESN after virtual load: '$ev', want class 04, event 02, present"; show_step gesn; fi
    expect_rc detach-k0 0
}

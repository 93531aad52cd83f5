# Host-side checks of attach scenarios: the medium file an attached drive wrote, read with
# discrw's own virtual: drive on the host (no kernel in between).

# attach_check_medium STEP MEDIUM IMAGE STATUS: `discrw verify -d virtual:MEDIUM IMAGE`
# passes (exit 0) and `discrw info` reports disc status STATUS.
attach_check_medium() {
    local st=$1 medium=$2 image=$3 want=$4
    "$DISCRW_HOST_BIN" verify -d "virtual:$medium" "$image" > "$OUT/verify-$st.out" 2> "$OUT/verify-$st.err"
    echo $? > "$OUT/verify-$st.rc"
    expect_rc "verify-$st" 0
    "$DISCRW_HOST_BIN" info --json -d "virtual:$medium" > "$OUT/info-$st.out" 2> "$OUT/info-$st.err"
    echo $? > "$OUT/info-$st.rc"
    check_info "info-$st" - - - - "$want"
}

# attach_expect_steps KIND STEP...: each step STEP-KIND exited 0.
attach_expect_steps() {
    local k=$1 s; shift
    for s in "$@"; do expect_rc "$s-$k" 0; done
}

# attach_cdrecord_setup TOOL EXTRA CASES: the guest steps of a cdrecord-style burner (cdrskin,
# wodim) over CASES, "LABEL:KIND:MODE" each: a blank KIND attached as LABEL, burned with
# `TOOL -v dev=SG MODE EXTRA memtest86.iso` (a CD-RW first written with ipxe.iso and blanked
# with blank=fast), read back with sg_dd, detached.
attach_cdrecord_setup() {
    guest_script <<G
TOOL=$1
EXTRA="$2"
CASES="$3"
N=$(iso_blocks memtest86)
G
    cat >> "$RUN/guest.sh" <<'G'
for c in $CASES; do
    l=${c%%:*}; k=${c#*:}; mode=${k#*:}; k=${k%%:*}
    attach_blank "$l" "$k" || continue
    if [ "$k" = cd-rw ]; then
        step first-$l $TOOL -v dev="$ATT_SG" -tao /mnt/media/ipxe.iso
        step blank-$l $TOOL -v dev="$ATT_SG" blank=fast
    fi
    step burn-$l $TOOL -v dev="$ATT_SG" $mode $EXTRA /mnt/media/memtest86.iso
    step sgdd-$l sg_dd if="$ATT_SG" of="$OUT/$l.sgdd.iso" bs=2048 bpt=32 count=$N
    detach_label "$l"
done
G
}

# attach_cdrecord_check CASES: every step passed, the read-back and the medium file (checked
# on the host) hold the image, and the disc is closed.
attach_cdrecord_check() {
    local c l k mode
    for c in $1; do
        IFS=: read -r l k mode <<< "$c"
        attach_expect_steps "$l" create attach burn sgdd detach
        [ "$k" = cd-rw ] && attach_expect_steps "$l" first blank
        expect_image "$OUT/$l.sgdd.iso" memtest86 exact
        attach_check_medium "$l" "$RUN/$l.medium" "$WORK/media/memtest86.iso" complete
    done
}

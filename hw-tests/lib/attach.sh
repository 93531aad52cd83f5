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

# How hw-tests calls discrw and reads its output: the ONE place to adjust when the CLI or
# its JSON changes. Sourced by the guest (busybox sh: functions + variables only) and by
# the host-side checks.

# --- command lines (guest) ---------------------------------------------------------------
discrw_scan()    { discrw scan --json; }
discrw_info()    { discrw info --json -d "$1"; }          # DEV
discrw_rip()     { discrw rip -d "$1" "$2"; }              # DEV OUT.iso
discrw_rip_raw() { discrw rip --raw -d "$1" "$2"; }        # DEV OUT.bin (2352-byte sectors)
discrw_burn()    { discrw burn -d "$1" "$2"; }             # DEV IMAGE (then verifies it)
discrw_burn_noverify() { discrw burn --no-verify -d "$1" "$2"; }  # DEV IMAGE (write only, like the peers)
discrw_verify()  { discrw verify -d "$1" "$2"; }           # DEV IMAGE
discrw_eject()   { discrw eject -d "$1"; }                 # DEV
discrw_load()    { discrw eject --load -d "$1"; }          # DEV

# discrw_attach NAME SOURCE [ARGS...]: `discrw virtual attach` in the background (JSON lines
# in $OUT/NAME.attach.json, stderr in $OUT/NAME.attach.log, every CDB in
# $OUT/NAME.trace.jsonl); waits up to 30 s for its "attached" line, then sets ATT_SR and
# ATT_SG (/dev/srN, /dev/sgN) and ATT_PID. Returns 1, with the log on stderr, if it never comes.
# ATT_TRACE=0: no trace (benchmarks).
discrw_attach() {
    local name=$1 src=$2 i=0; shift 2
    if [ "${ATT_TRACE:-1}" = 1 ]; then set -- --trace "$OUT/$name.trace.jsonl" "$@"; fi
    discrw virtual attach "$src" --name "$name" --json "$@" \
        > "$OUT/$name.attach.json" 2> "$OUT/$name.attach.log" &
    ATT_PID=$!
    while [ $i -lt 150 ]; do
        if grep -q '"attached"' "$OUT/$name.attach.json" 2>/dev/null; then
            ATT_SR=$(sed -n 's/.*"sr":"\([^"]*\)".*/\1/p' "$OUT/$name.attach.json")
            ATT_SG=$(sed -n 's/.*"sg":"\([^"]*\)".*/\1/p' "$OUT/$name.attach.json")
            echo "$name: $ATT_SR $ATT_SG (pid $ATT_PID)"
            return 0
        fi
        kill -0 "$ATT_PID" 2>/dev/null || break
        sleep 0.2; i=$((i + 1))
    done
    cat "$OUT/$name.attach.log" >&2; return 1
}
# discrw_detach NAME: detach and wait for the attach process to end (its exit code).
discrw_detach() { discrw virtual detach "$1" && wait "$ATT_PID"; }
discrw_vcreate() { discrw virtual create --media "$1" "$2"; }   # KIND FILE: blank medium file
# attach_blank LABEL KIND: a blank KIND medium file /mnt/host/LABEL.medium, attached as
# drive LABEL (steps create-LABEL, attach-LABEL; ATT_SR/ATT_SG set). Fails if attach did.
attach_blank() {
    step "create-$1" discrw_vcreate "$2" "/mnt/host/$1.medium"
    step "attach-$1" discrw_attach "$1" "/mnt/host/$1.medium"
    [ "$(cat "$OUT/attach-$1.rc")" = 0 ]
}
detach_label() { step "detach-$1" discrw_detach "$1"; }   # LABEL

# --- JSON field paths (jq syntax, host) --------------------------------------------------
# scan --json: one document; J_SCAN_DRIVES yields one object per drive. A drive is matched
# by any string in it equal to its /dev/srN or /dev/sgN, then vendor/model are read.
J_SCAN_DRIVES='.drives[]'
J_SCAN_VENDOR='.vendor'
J_SCAN_MODEL='.model'
# info --json -d DEV: one document.
J_INFO_VENDOR='.drive.vendor'
J_INFO_MODEL='.drive.model'
J_INFO_REVISION='.drive.revision'
J_INFO_PROFILE='.media.profile'            # MMC profile name, e.g. "DVD+R"
J_INFO_PROFILE_CODE='.media.profile_code'  # number, e.g. 27
J_INFO_STATUS='.media.status'              # blank | appendable | complete | none
J_INFO_CAPACITY='.media.capacity_blocks'   # readable blocks (null on blank media)
J_INFO_TRACKS='.media.tracks | length'
J_INFO_TRACKS_FROM='.media.tracks_from'    # "READ TRACK INFORMATION" | "READ TOC/PMA/ATIP"
J_INFO_NWA='.media.next_writable_address'
J_INFO_SESSIONS='.media.sessions'

# --- exit codes (docs/exit-codes.md, src/cli/error.rs) -----------------------------------
EXIT_DEVICE=3   # device not found, no permission, busy, not MMC
EXIT_MEDIA=4    # no medium, wrong kind, not blank, too small
EXIT_MISMATCH=6 # verify found sectors that differ from the image

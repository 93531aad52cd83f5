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

# --- exit codes (docs/exit-codes.md, src/cli/error.rs) -----------------------------------
EXIT_DEVICE=3   # device not found, no permission, busy, not MMC
EXIT_MEDIA=4    # no medium, wrong kind, not blank, too small
EXIT_MISMATCH=6 # verify found sectors that differ from the image

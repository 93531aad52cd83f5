# Shared helpers for hw-tests/run: logging, the result table, small utilities.
# Sourced by hw-tests/run; every function here is safe under `set -euo pipefail`.

HW_START=$(date +%s)

log()  { printf '[hw %4ss] %s\n' "$(( $(date +%s) - HW_START ))" "$*" >&2; }
die()  { printf 'hw-tests: FATAL: %s\n' "$*" >&2; exit 2; }

# Result table: one line per scenario "STATUS NAME SECONDS DETAIL".
RESULTS_FILE=""
record() { # STATUS NAME SECONDS DETAIL...
    local st=$1 name=$2 secs=$3; shift 3
    printf '%s\t%s\t%s\t%s\n' "$st" "$name" "$secs" "$*" >> "$RESULTS_FILE"
    case $st in
        PASS)    printf '=== PASS     %-34s %4ss %s\n' "$name" "$secs" "$*" ;;
        PENDING) printf '=== PENDING  %-34s %4ss %s\n' "$name" "$secs" "$*" ;;
        *)       printf '=== %-8s %-34s %4ss %s\n' "$st" "$name" "$secs" "$*" ;;
    esac
}

# Host-side check helpers used by scenarios' sc_check. Each prints why it failed and
# returns 1; scenarios collect failures with `ok=0`.
CHECK_FAILS=0
fail() { echo "  check failed: $*"; CHECK_FAILS=$((CHECK_FAILS + 1)); }
pass() { echo "  ok: $*"; }

# expect_eq WHAT GOT WANT
expect_eq() { if [ "$2" = "$3" ]; then pass "$1 = $3"; else fail "$1: got '$2', want '$3'"; fi; }

# file_of RUNDIR NAME EXT -> path of a guest result file; fails loudly when missing.
need_file() { if [ -e "$1" ]; then return 0; fi; fail "missing result file ${1#"$WORK"/}"; return 1; }

# rc_of NAME: exit code the guest recorded for step NAME (or "missing").
rc_of() { if [ -f "$OUT/$1.rc" ]; then cat "$OUT/$1.rc"; else echo missing; fi; }

expect_rc() { # STEP WANT
    local got; got=$(rc_of "$1")
    if [ "$got" = "$2" ]; then pass "step $1 exit $2"
    else fail "step $1 exited $got, want $2"; show_step "$1"; fi
}

show_step() { # print the tail of a guest step's stdout/stderr to explain a failure
    local f
    for f in "$OUT/$1.out" "$OUT/$1.err"; do
        [ -s "$f" ] || continue
        echo "  --- ${f##*/} (last 15 lines)"; tail -n 15 "$f" | sed 's/^/  | /'
    done
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# sha256 of the first BYTES bytes of a file.
sha256_head() { head -c "$2" "$1" | sha256sum | cut -d' ' -f1; }

# A free TCP port on 127.0.0.1 in [lo, hi).
free_port() {
    local lo=${1:-3260} hi=${2:-3400} p
    for ((p = lo; p < hi; p++)); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            if ! ss -ltnH "sport = :$p" 2>/dev/null | grep -q .; then echo "$p"; return 0; fi
        fi
    done
    return 1
}

# Root is needed for apt-get and for tgtd (its control socket is in /var/run/tgtd). Not
# root: passwordless sudo for those commands only (QEMU, cargo and the checks run as the
# caller). Neither: the harness stops with a FATAL line (it never skips the writer).
AS_ROOT=()
root_setup() {
    if [ "$(id -u)" = 0 ]; then AS_ROOT=(); return 0; fi
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then AS_ROOT=(sudo -n); return 0; fi
    return 1
}
alive() { [ -d "/proc/$1" ]; }   # kill -0 cannot see a root process from a user

hwcheck() { /usr/bin/python3 "$HW_DIR/lib/hwcheck.py" "$@"; }

# expect_sense STEP WANT: the sg_raw -v step ended with sense KK/AA/QQ, DID_ERROR or GOOD.
expect_sense() {
    local got; got=$(hwcheck sense "$OUT/$1.err")
    if [ "$got" = "$2" ]; then pass "$1 -> $2"; else fail "$1: got $got, want $2"; show_step "$1"; fi
}

# load_drives: DEV_x / SG_x of this run's drives, as the guest found them.
load_drives() { . "$RUN/drives.env"; }

# expect_image FILE ISO-NAME [exact]: FILE starts with the ISO's bytes; the rest, if any,
# is zero padding (tgt/growisofs/libburn pad the track). With "exact", sizes must match.
expect_image() {
    local f=$1 iso=$2 n sz
    need_file "$f" || return 0
    n=$(iso_size "$iso"); sz=$(stat -c %s "$f")
    if [ "${3:-}" = exact ] && [ "$sz" != "$n" ]; then fail "${f##*/}: $sz bytes, image $iso has $n"; return 0; fi
    if [ "$sz" -lt "$n" ]; then fail "${f##*/}: $sz bytes, shorter than image $iso ($n)"; return 0; fi
    if [ "$(sha256_head "$f" "$n")" != "$(iso_sha "$iso")" ]; then fail "${f##*/}: SHA-256 differs from $iso.iso"; return 0; fi
    if [ "$sz" -gt "$n" ] && [ "$(tail -c +$((n + 1)) "$f" | tr -d '\0' | head -c 1 | wc -c)" != 0 ]; then
        fail "${f##*/}: non-zero bytes after the image"; return 0; fi
    pass "${f##*/}: SHA-256 equals $iso.iso ($n bytes$([ "$sz" -gt "$n" ] && echo ", +$((sz - n)) bytes zero padding"))"
}

# JSON output of a discrw step: exactly one document.
expect_one_json() {
    local n; n=$(jq -s 'length' "$OUT/$1.out" 2>/dev/null || echo bad)
    if [ "$n" = 1 ]; then pass "$1 printed one JSON document"; else fail "$1: stdout is not one JSON document ($n)"; show_step "$1"; fi
}
jget() { jq -r "$2 | if type == \"string\" then sub(\"^ +\"; \"\") | sub(\" +$\"; \"\") else . end" "$OUT/$1.out" 2>/dev/null || echo "(unreadable)"; }
expect_json() { # STEP JQ-PATH WANT
    local got; got=$(jget "$1" "$2")
    if [ "$got" = "$3" ]; then pass "$1 $2 = $3"; else fail "$1 $2: got '$got', want '$3'"; fi
}

# bench NAME SECONDS BYTES: one benchmark figure into the run's table.
bench_line() { printf '%s\n' "$*" >> "$BENCH_FILE"; echo "  bench: $*"; }
# step_secs STEP: its duration, or n/a when it did not run or failed (a failed step's time
# is no figure).
step_secs() {
    if [ -f "$OUT/$1.cs" ] && [ "$(rc_of "$1")" = 0 ]; then awk -v c="$(cat "$OUT/$1.cs")" 'BEGIN{printf "%.2f", c/100}'
    else echo "n/a"; fi
}

# expect_check_media STEP BLOCKS: xorriso -check_media reported BLOCKS good blocks from LBA 0
# and nothing slow, unreadable or untested below BLOCKS (past max_lba, e.g. the track's
# padding, xorriso says "untested": not counted).
expect_check_media() {
    local good bad
    good=$(cat "$OUT/$1.out" "$OUT/$1.err" 2>/dev/null | awk -F, '/^Media region/ && /\+ *good/ {s += $2} END {print s + 0}')
    bad=$(cat "$OUT/$1.out" "$OUT/$1.err" 2>/dev/null | grep '^Media region' | grep -v '+ *good' \
          | awk -v n="$2" '{sub(/^Media region *: */, ""); split($0, f, ","); if (f[1] + 0 < n) c++} END {print c + 0}')
    if [ "$good" = "$2" ] && [ "$bad" = 0 ]; then pass "xorriso -check_media: $2 blocks good"
    else fail "xorriso -check_media: $good of $2 blocks good, $bad other region(s)"; show_step "$1"; fi
}

# check_info STEP VENDOR MODEL PROFILE PROFILE_CODE STATUS (a "-" skips that field)
check_info() {
    local st=$1; shift
    expect_rc "$st" 0; expect_one_json "$st"
    [ "$1" = - ] || expect_json "$st" "$J_INFO_VENDOR" "$1"
    [ "$2" = - ] || expect_json "$st" "$J_INFO_MODEL" "$2"
    [ "$3" = - ] || expect_json "$st" "$J_INFO_PROFILE" "$3"
    [ "$4" = - ] || expect_json "$st" "$J_INFO_PROFILE_CODE" "$4"
    [ "$5" = - ] || expect_json "$st" "$J_INFO_STATUS" "$5"
}

# expect_error_line STEP CODE WORD-REGEX: a discrw failure with the documented exit code and
# a one-line "discrw: ..." message on stderr naming the problem.
expect_error_line() {
    expect_rc "$1" "$2"
    if grep -qE '^discrw: ' "$OUT/$1.err" && grep -qiE "$3" "$OUT/$1.err"; then
        pass "$1: error line matches /$3/: $(grep -m1 '^discrw: ' "$OUT/$1.err")"
    else fail "$1: no 'discrw: ...' line matching /$3/ on stderr"; show_step "$1"; fi
    local n; n=$(wc -l < "$OUT/$1.err")
    [ "$n" -le 5 ] && pass "$1: short stderr ($n lines)" || fail "$1: $n lines on stderr for one error"
}

# bench_report WHAT MB STEP...: seconds and MB/s per tool, and discrw's time as a ratio of
# each peer's (below 1.00 = discrw faster). Steps that did not run print n/a.
bench_report() {
    local what=$1 mb=$2 s t d line; shift 2
    line="$what ${mb} MB:"
    for s in "$@"; do
        t=$(step_secs "$s")
        if [ "$t" = n/a ]; then line+="  $s n/a$([ -f "$OUT/$s.rc" ] && echo " (exit $(rc_of "$s"))")"; else line+="  $s ${t}s ($(awk -v m="$mb" -v t="$t" 'BEGIN{printf "%.1f", m/t}') MB/s)"; fi
    done
    bench_line "$line"
    d=$(step_secs discrw)
    if [ "$d" != n/a ]; then
        line="$what ratio discrw/peer:"
        for s in "$@"; do
            [ "$s" = discrw ] && continue; t=$(step_secs "$s"); [ "$t" = n/a ] && continue
            line+="  /$s $(awk -v a="$d" -v b="$t" 'BEGIN{printf "%.2f", a/b}')"
        done
        bench_line "$line"
    elif [ -f "$OUT/discrw.rc" ]; then bench_line "$what ratio discrw/peer: n/a (discrw $what failed)"
    else bench_line "$what ratio discrw/peer: n/a (discrw $what not available yet)"; fi
}

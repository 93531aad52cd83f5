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

# The binary under test: built from this repo unless DISCRW_BIN names one, and copied to
# $WORK/tools/bin/discrw (9p share "tools"). By default `cargo build --release --bin discrw`
# with the caller's flags: after `cargo test --release` (tests/run-all.sh) that reuses its
# artifacts instead of compiling every crate again; the binary's ldd libraries are shipped
# and it is started through the shipped loader. HW_STATIC=1 builds a static-pie instead
# (-C target-feature=+crt-static, a separate target dir: a full rebuild).

DISCRW_BUILD_OK=1

discrw_build() {
    local bin
    mkdir -p "$WORK/tools/bin" "$WORK/tools/lib"
    cp "$HW_DIR/guest/lib.sh" "$WORK/tools/lib.sh"
    cp "$HW_DIR/discrw-interface.sh" "$WORK/tools/discrw-interface.sh"
    rm -f "$WORK/tools/bin/discrw" "$WORK/tools/bin/discrw.real"
    if [ -n "${DISCRW_BIN:-}" ]; then
        bin=$DISCRW_BIN; [ -x "$bin" ] || die "DISCRW_BIN=$bin is not executable"
        log "discrw: using DISCRW_BIN=$bin"
    else
        local t0=$SECONDS ok=0
        if [ "${HW_STATIC:-0}" = 1 ]; then
            log "discrw: cargo build --release (static-pie)"
            (cd "$REPO" && RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
                cargo build --release --target x86_64-unknown-linux-gnu --bin discrw) \
                > "$WORK/cargo-build.log" 2>&1 && ok=1
            bin=$REPO/target/x86_64-unknown-linux-gnu/release/discrw
        else
            log "discrw: cargo build --release --bin discrw"
            (cd "$REPO" && cargo build --release --bin discrw) > "$WORK/cargo-build.log" 2>&1 && ok=1
            bin=${CARGO_TARGET_DIR:-$REPO/target}/release/discrw
        fi
        log "discrw: build took $((SECONDS - t0))s"
        if [ "$ok" = 1 ]; then :
        else
            tail -n 30 "$WORK/cargo-build.log" >&2
            log "discrw: BUILD FAILED (see $WORK/cargo-build.log); every discrw scenario is NOT RUN"
            DISCRW_BUILD_OK=0; return 0
        fi
    fi
    if ldd "$bin" > /dev/null 2>&1 && ! ldd "$bin" 2>&1 | grep -q 'statically linked'; then
        # Dynamic: ship its libraries and start it through the loader.
        local lib
        for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do cp -L "$lib" "$WORK/tools/lib/"; done
        cp "$bin" "$WORK/tools/bin/discrw.real"
        printf '#!/bin/sh\nexec /mnt/tools/lib/%s --library-path /mnt/tools/lib /mnt/tools/bin/discrw.real "$@"\n' \
            "$(ldd "$bin" | grep -o '/[^ ]*ld-linux[^ ]*' | head -n1 | xargs basename)" > "$WORK/tools/bin/discrw"
        chmod +x "$WORK/tools/bin/discrw"
        log "discrw: dynamic binary, $(ls "$WORK/tools/lib" | wc -l) libraries shipped"
    else
        cp "$bin" "$WORK/tools/bin/discrw"
        log "discrw: static binary $(du -h "$bin" | cut -f1)"
    fi
    DISCRW_HOST_BIN=$bin
}

# discrw_has TOKEN: does the built binary offer it? TOKEN is a subcommand ("rip") or
# subcommand:flag ("rip:--raw"). The grammar lists every subcommand from the start, so help
# text proves nothing: the subcommand is run against a virtual medium that does not exist.
# A build without it says "not available in this build yet" before touching any device;
# one with it fails to open the device instead. SUB:--flag also needs the flag in
# `discrw SUB --help`.
declare -A DISCRW_CAP=()
discrw_probe_args() { # SUB -> its positional arguments for the probe
    case $1 in
        rip) echo /nonexistent/hw-probe.iso ;;
        burn|verify) echo /nonexistent/hw-probe-image.iso ;;
    esac
}
discrw_has() {
    local tok=$1 sub flag out rc=0
    [ "$DISCRW_BUILD_OK" = 1 ] || return 1
    [ -z "${DISCRW_CAP[$tok]:-}" ] || { [ "${DISCRW_CAP[$tok]}" = yes ]; return; }
    sub=${tok%%:*}; flag=""; [[ $tok == *:* ]] && flag=${tok#*:}
    DISCRW_CAP[$tok]=no
    if [ -n "$flag" ]; then
        discrw_has "$sub" || return 1
        out=$(timeout 10 "$DISCRW_HOST_BIN" "$sub" --help 2>&1) || return 1
        grep -q -- "$flag" <<< "$out" || return 1
        DISCRW_CAP[$tok]=yes; return 0
    fi
    case $sub in
        scan) out=$(timeout 10 "$DISCRW_HOST_BIN" scan --help 2>&1) || return 1 ;;
        *) out=$(timeout 10 "$DISCRW_HOST_BIN" "$sub" -d virtual:/nonexistent/hw-probe \
                 $(discrw_probe_args "$sub") 2>&1) || rc=$? ;;
    esac
    if grep -qiE 'not (yet )?(available|implemented)' <<< "$out"; then return 1; fi
    # Unknown subcommand: clap's usage error (exit 2, "unrecognized subcommand").
    if grep -qi 'unrecognized subcommand' <<< "$out"; then return 1; fi
    DISCRW_CAP[$tok]=yes; return 0
}

# Install step: Debian packages the harness and its peer tools need.

# package:command-that-proves-it-is-there
HW_PACKAGES=(
    qemu-system-x86:qemu-system-x86_64
    qemu-block-extra:/usr/lib/x86_64-linux-gnu/qemu/block-iscsi.so
    busybox-static:/bin/busybox
    cpio:cpio
    kmod:depmod
    tgt:tgtd
    growisofs:growisofs
    xorriso:xorriso
    cdrskin:cdrskin
    wodim:readom
    cdrdao:cdrdao
    sg3-utils:sg_raw
    jq:jq
    python3:/usr/bin/python3
)

# apt_update_once: `apt-get update` at most once per run (a fresh machine has no package
# lists, so neither apt-cache nor apt-get download can resolve names).
APT_UPDATED=0
apt_update_once() {
    [ "$APT_UPDATED" = 0 ] || return 0
    APT_UPDATED=1
    log "apt-get update"
    "${AS_ROOT[@]}" apt-get update -q >> "$WORK/apt-update.log" 2>&1 || { tail -5 "$WORK/apt-update.log" >&2; return 1; }
}

# apt_download DIR PACKAGE LOG: apt-get download into DIR, updating the lists once on failure.
apt_download() {
    (cd "$1" && apt-get download "$2") > "$3" 2>&1 && return 0
    apt_update_once || return 1
    (cd "$1" && apt-get download "$2") >> "$3" 2>&1
}

hw_install() {
    local missing=() ent pkg prog
    for ent in "${HW_PACKAGES[@]}"; do
        pkg=${ent%%:*}; prog=${ent#*:}
        if [[ $prog == /* ]]; then [ -e "$prog" ] || missing+=("$pkg")
        else command -v "$prog" >/dev/null 2>&1 || missing+=("$pkg"); fi
    done
    # busybox-static replaces busybox: check it is the static one.
    if [ -x /bin/busybox ] && ldd /bin/busybox >/dev/null 2>&1; then missing+=(busybox-static); fi
    if [ ${#missing[@]} -eq 0 ]; then log "install: all packages present"; return 0; fi
    log "install: apt-get install ${missing[*]}"
    if ! "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
            > "$WORK/apt-install.log" 2>&1; then
        log "install: apt-get install failed; trying apt-get update first"
        apt_update_once || true
        "${AS_ROOT[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
            >> "$WORK/apt-install.log" 2>&1 || { tail -20 "$WORK/apt-install.log" >&2; die "apt-get install failed"; }
    fi
    for ent in "${HW_PACKAGES[@]}"; do
        pkg=${ent%%:*}; prog=${ent#*:}
        if [[ $prog == /* ]]; then [ -e "$prog" ] || die "package $pkg installed but $prog missing"
        else command -v "$prog" >/dev/null 2>&1 || die "package $pkg installed but $prog missing"; fi
    done
}

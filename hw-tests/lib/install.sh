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
    sg3-utils:sg_raw
    jq:jq
    python3:/usr/bin/python3
)

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
    [ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
            > "$WORK/apt-install.log" 2>&1; then
        log "install: apt-get install failed; trying apt-get update first"
        apt-get update -q >> "$WORK/apt-install.log" 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
            >> "$WORK/apt-install.log" 2>&1 || { tail -20 "$WORK/apt-install.log" >&2; die "apt-get install failed"; }
    fi
    for ent in "${HW_PACKAGES[@]}"; do
        pkg=${ent%%:*}; prog=${ent#*:}
        if [[ $prog == /* ]]; then [ -e "$prog" ] || die "package $pkg installed but $prog missing"
        else command -v "$prog" >/dev/null 2>&1 || die "package $pkg installed but $prog missing"; fi
    done
}

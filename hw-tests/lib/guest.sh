# Guest build: Debian kernel + busybox initramfs with the storage modules and peer tools.
# Cached in $WORK/guest keyed by the inputs; the kernel .deb is cached in $WORK/cache.

# No sd_mod (no disks) and no ata_piix (the pc machine's PIIX IDE is unused; probing it
# costs about a second of TCG time per boot).
GUEST_MODULES="virtio_pci virtio_scsi sr_mod sg ahci 9pnet_virtio 9p isofs target_core_user tcm_loop"

# Extra kernel command line: skip the crypto self-tests (about a second under TCG).
GUEST_CMDLINE="loglevel=4 quiet cryptomgr.notests mitigations=off ${HW_GUEST_CMDLINE:-}"

# Peer tools copied into the guest with their ldd libraries.
# From util-linux: flock holds an advisory lock (discrw-busy); setpriv runs discrw as a
# user without permission on the drive (discrw-not-mmc; busybox's setpriv cannot: call it as
# /usr/bin/setpriv, busybox sh prefers its own applets over PATH).
GUEST_TOOLS="sg_inq sg_dd sg_turs sg_raw sg_readcap sg_start sg_get_config sg_prevent growisofs xorriso cdrskin readom wodim cdrdao flock setpriv"

kernel_deb() { # KERNEL_DEB: the kernel .deb linux-image-amd64 points at (downloaded once per work dir)
    local name deb
    mkdir -p "$WORK/cache"
    name=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-6\.1\.[^ ]*-amd64\)$/\1/p' | head -n1)
    if [ -z "$name" ] && ! ls "$WORK"/cache/linux-image-6.1.*-amd64_*.deb > /dev/null 2>&1; then
        apt_update_once || true
        name=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-6\.1\.[^ ]*-amd64\)$/\1/p' | head -n1)
    fi
    if [ -z "$name" ]; then
        deb=$(ls -t "$WORK"/cache/linux-image-6.1.*-amd64_*.deb 2>/dev/null | head -n1 || true)
        [ -n "$deb" ] || die "cannot resolve linux-image-amd64's 6.1 kernel (apt-get update did not help)"
        KERNEL_DEB=$deb; return
    fi
    deb=$(ls "$WORK/cache/${name}"_*.deb 2>/dev/null | head -n1 || true)
    if [ -z "$deb" ]; then
        log "guest: apt-get download $name"
        apt_download "$WORK/cache" "$name" "$WORK/cache/download.log" \
            || { cat "$WORK/cache/download.log" >&2; die "apt-get download $name failed"; }
        deb=$(ls "$WORK/cache/${name}"_*.deb | head -n1)
    fi
    KERNEL_DEB=$deb
}

# Resolve module names to .ko paths, dependencies first (modules.dep lists the full closure).
module_order() { # KDIR KVER MODULE...
    local kd=$1 kv=$2; shift 2
    python3 - "$kd/lib/modules/$kv" "$@" <<'PY'
import sys, os
base, wanted = sys.argv[1], sys.argv[2:]
dep, byname = {}, {}
for line in open(os.path.join(base, "modules.dep")):
    mod, _, rest = line.partition(":")
    dep[mod] = rest.split()
    byname[os.path.basename(mod).split(".ko")[0].replace("-", "_")] = mod
builtin = {os.path.basename(l.strip()).split(".ko")[0].replace("-", "_")
           for l in open(os.path.join(base, "modules.builtin"))}
order, seen = [], set()
def visit(m):
    if m in seen: return
    seen.add(m)
    for d in dep[m]: visit(d)
    order.append(m)
for w in wanted:
    if w in byname: visit(byname[w])
    elif w in builtin: continue
    else: sys.exit(f"module {w} neither a module nor built in")
print("\n".join(order))
PY
}

copy_with_libs() { # ROOT BINARY...: copy each program and its ldd libraries into ROOT
    local root=$1 p path lib; shift
    for p in "$@"; do
        path=$(command -v "$p") || die "guest tool $p not found on the host"
        install -D -m 0755 "$(readlink -f "$path")" "$root/usr/bin/$p"
        for lib in $(ldd "$path" 2>/dev/null | grep -o '/[^ ]*' || true); do
            [ -e "$root$lib" ] || install -D -m 0755 "$(readlink -f "$lib")" "$root$lib"
        done
    done
}

# vmlinux_pvh BZIMAGE CONFIG OUT: the uncompressed ELF kernel, which QEMU boots through its
# PVH entry point, when the kernel has CONFIG_PVH and is XZ-compressed (Debian's is). It
# saves the in-guest decompression: about 5 s of every TCG boot. Returns 1 otherwise.
vmlinux_pvh() {
    grep -q '^CONFIG_PVH=y' "$2" 2>/dev/null || return 1
    python3 - "$1" "$3" <<'PY'
import lzma, sys
data = open(sys.argv[1], "rb").read()
i = data.find(b"\xfd7zXZ\x00")
if i < 0:
    sys.exit(1)
out = lzma.LZMADecompressor().decompress(data[i:])
if out[:4] != b"\x7fELF":
    sys.exit(1)
open(sys.argv[2], "wb").write(out)
PY
}

# Build (or reuse) the guest; sets GUEST_KERNEL and GUEST_INITRD.
guest_build() {
    local deb kv key kd root
    kernel_deb; deb=$KERNEL_DEB
    key=$( { echo "$deb" "$GUEST_MODULES" "$GUEST_TOOLS"; cat "$HW_DIR/guest/init" "$HW_DIR/lib/guest.sh";
             dpkg-query -W busybox-static sg3-utils growisofs xorriso cdrskin wodim cdrdao libburn4 2>/dev/null; } \
           | sha256sum | cut -c1-16)
    GUEST_KERNEL=$WORK/guest/$key/kernel.img
    GUEST_INITRD=$WORK/guest/$key/initrd.cpio
    # Older builds (other inputs) are dropped: the work dir keeps one guest.
    find "$WORK/guest" -mindepth 1 -maxdepth 1 -type d ! -name "$key" -exec rm -rf {} + 2>/dev/null || true
    if [ -s "$GUEST_INITRD" ] && [ -s "$GUEST_KERNEL" ]; then log "guest: cached build $key"; return 0; fi
    log "guest: building $key from ${deb##*/}"
    rm -rf "$WORK/guest/$key"; mkdir -p "$WORK/guest/$key"
    kd=$WORK/guest/$key/kernel; root=$WORK/guest/$key/root
    dpkg-deb -x "$deb" "$kd"
    kv=$(ls "$kd/lib/modules" | head -n1)
    depmod -b "$kd" "$kv"
    mkdir -p "$root"/{bin,sbin,usr/bin,etc,proc,sys,dev,tmp}
    cp /bin/busybox "$root/bin/busybox"
    install -m 0755 "$HW_DIR/guest/init" "$root/init"
    module_order "$kd" "$kv" $GUEST_MODULES > "$root/modules.load" || die "module resolution failed"
    while read -r m; do install -D -m 0644 "$kd/lib/modules/$kv/$m" "$root/lib/modules/$kv/$m"; done < "$root/modules.load"
    copy_with_libs "$root" $GUEST_TOOLS
    echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
    echo "root:x:0:" > "$root/etc/group"
    # Uncompressed: unpacking gzip costs the TCG guest more than QEMU's loading 15 MB.
    (cd "$root" && find . | cpio -o -H newc --quiet) > "$GUEST_INITRD.tmp"
    mv "$GUEST_INITRD.tmp" "$GUEST_INITRD"
    local how="PVH vmlinux"
    if ! vmlinux_pvh "$kd/boot/vmlinuz-$kv" "$kd/boot/config-$kv" "$GUEST_KERNEL.tmp"; then
        cp "$kd/boot/vmlinuz-$kv" "$GUEST_KERNEL.tmp"; how="bzImage"
    fi
    mv "$GUEST_KERNEL.tmp" "$GUEST_KERNEL"
    rm -rf "$kd"
    log "guest: kernel $kv ($how), initrd $(du -h "$GUEST_INITRD" | cut -f1), modules: $(wc -l < "$root/modules.load")"
}

# Guest-side helpers, sourced by the guest's /init before it runs a scenario's guest.sh
# (guest.sh gets them too: /init exports nothing, so guest.sh sources this file itself
# through hw-tests' generated preamble). Busybox sh only.

uptime_cs() { # uptime in centiseconds
    local u; u=$(cut -d' ' -f1 /proc/uptime); echo "${u%.*}${u#*.}"
}

# The host writes drives.conf: "NAME BUS ID" per drive, BUS = virtio (ID = scsi-id) or
# ahci (ID = port number counted over all AHCI controllers). Print DEV_NAME=/dev/srN and
# SG_NAME=/dev/sgN for each, waiting up to 30 s for the kernel to attach them.
# Shell builtins only in the loops: a fork costs ~10 ms of TCG time, and a VM may have a
# dozen drives.
hw_find_drives() { # DRIVES.CONF
    local conf=$1 deadline=$(( $(uptime_cs) + 3000 )) missing name bus id
    while :; do
        hw_scan_table
        missing=0
        : > /tmp/drives.env
        while read -r name bus id; do
            [ -n "$name" ] || continue
            if ! hw_locate "$bus" "$id" "$name" >> /tmp/drives.env; then missing=$((missing + 1)); fi
        done < "$conf"
        if [ "$missing" = 0 ] || [ "$(uptime_cs)" -gt "$deadline" ]; then break; fi
        sleep 0.2
    done
    cat /tmp/drives.env
    [ "$missing" = 0 ] || echo "hw-guest: $missing drive(s) not found" >&2
}

# HW_TABLE: one line per SCSI device with both nodes: "BUS ID HCTL SR SG", BUS virtio
# (ID = SCSI target) or ahci (ID = rank of its host among the AHCI hosts: one host per
# port, numbered in port order).
hw_scan_table() {
    local d h hn pn rest t sr sg rank x ahci=""
    HW_TABLE=""
    for d in /sys/class/scsi_host/host*; do
        [ -e "$d/proc_name" ] || continue
        read -r pn < "$d/proc_name"; [ "$pn" = ahci ] && ahci="$ahci ${d##*/host}"
    done
    for d in /sys/class/scsi_device/*; do
        [ -e "$d" ] || continue
        h=${d##*/}; hn=${h%%:*}; rest=${h#*:}; rest=${rest#*:}; t=${rest%%:*}
        sr=""; sg=""
        for x in "$d"/device/block/*; do [ -e "$x" ] && sr=${x##*/}; done
        for x in "$d"/device/scsi_generic/*; do [ -e "$x" ] && sg=${x##*/}; done
        [ -n "$sg" ] && [ -e "/dev/$sg" ] || continue
        # CD/DVD (type 5) also needs its sr node; other devices (disks: no sd_mod in the
        # guest) have only sg, shown as sr "-".
        read -r x < "$d/device/type"
        if [ "$x" = 5 ]; then [ -n "$sr" ] && [ -e "/dev/$sr" ] || continue; else sr=-; fi
        read -r pn < "/sys/class/scsi_host/host$hn/proc_name"
        case $pn in
            virtio_scsi) HW_TABLE="$HW_TABLE
virtio $t $h $sr $sg" ;;
            ahci) rank=0; for x in $ahci; do [ "$x" -lt "$hn" ] && rank=$((rank + 1)); done
                  HW_TABLE="$HW_TABLE
ahci $rank $h $sr $sg" ;;
        esac
    done
}

hw_locate() { # BUS ID NAME (from HW_TABLE)
    local b i h sr sg
    while read -r b i h sr sg; do
        [ "$b" = "$1" ] && [ "$i" = "$2" ] || continue
        if [ "$sr" = - ]; then echo "DEV_$3="; else echo "DEV_$3=/dev/$sr"; fi
        echo "SG_$3=/dev/$sg"
        echo "HCTL_$3=$h"
        return 0
    done <<EOT
$HW_TABLE
EOT
    return 1
}

# step NAME CMD...: run CMD, keep its stdout/stderr/exit code/duration in $OUT/NAME.*
# so that the host can check them. Never fails itself.
step() {
    local name=$1 t0 t1 rc; shift
    echo "+ [$name] $*"
    t0=$(uptime_cs)
    "$@" > "$OUT/$name.out" 2> "$OUT/$name.err" && rc=0 || rc=$?
    t1=$(uptime_cs)
    echo "$rc" > "$OUT/$name.rc"
    echo $(( t1 - t0 )) > "$OUT/$name.cs"
    echo "  -> exit $rc in $(( (t1 - t0) / 100 )).$(( (t1 - t0) % 100 / 10 ))s"
}

# hw_wait_ready DEV [SECONDS]: poll TEST UNIT READY until GOOD (ide-cd answers NOT READY
# a few times after a media change). Returns 1 if never ready.
hw_wait_ready() {
    local dev=$1 n=$(( ${2:-15} * 5 ))
    while [ "$n" -gt 0 ]; do
        sg_turs "$dev" >/dev/null 2>&1 && return 0
        sleep 0.2; n=$((n - 1))
    done
    return 1
}

# hw_member NAME: run scenario NAME's section of this VM. Its directory /mnt/runs/NAME
# becomes /mnt/host; drives.map ("LOCAL GLOBAL" per drive) turns the VM-wide drive names
# back into the ones the scenario declared, in NAME/drives.env. Leaves NAME/guest.rc (exit
# code of its guest.sh) and NAME/guest.cs (centiseconds) for the host.
hw_member() {
    local name=$1 d=/mnt/runs/$1 t0 rc l g
    ln -sfn "$d" /mnt/host
    : > "$d/drives.env"
    while read -r l g; do
        [ -n "$l" ] || continue
        eval "echo DEV_$l=\$DEV_$g; echo SG_$l=\$SG_$g; echo HCTL_$l=\$HCTL_$g" >> "$d/drives.env"
    done < "$d/drives.map"
    echo "hw-guest: [$name] start at $(cut -d' ' -f1 /proc/uptime)s" > /dev/console
    t0=$(uptime_cs)
    (cd /tmp && sh "$d/guest.sh") > "$d/guest.log" 2>&1 && rc=0 || rc=$?
    echo $(( $(uptime_cs) - t0 )) > "$d/guest.cs"
    echo "$rc" > "$d/guest.rc"
    echo "hw-guest: [$name] exit $rc at $(cut -d' ' -f1 /proc/uptime)s" > /dev/console
}

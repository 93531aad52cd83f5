# Guest-side helpers, sourced by the guest's /init before it runs a scenario's guest.sh
# (guest.sh gets them too: /init exports nothing, so guest.sh sources this file itself
# through hw-tests' generated preamble). Busybox sh only.

uptime_cs() { # uptime in centiseconds
    local u; u=$(cut -d' ' -f1 /proc/uptime); echo "${u%.*}${u#*.}"
}

# The host writes drives.conf: "NAME BUS ID" per drive, BUS = virtio (ID = scsi-id) or
# ahci (ID = port). Print DEV_NAME=/dev/srN and SG_NAME=/dev/sgN for each, waiting up to
# 30 s for the kernel to attach them.
hw_find_drives() {
    local deadline=$(( $(uptime_cs) + 3000 )) missing name bus id
    while :; do
        missing=0
        : > /tmp/drives.env
        while read -r name bus id; do
            [ -n "$name" ] || continue
            if ! hw_locate "$bus" "$id" "$name" >> /tmp/drives.env; then missing=$((missing + 1)); fi
        done < /mnt/host/drives.conf
        if [ "$missing" = 0 ] || [ "$(uptime_cs)" -gt "$deadline" ]; then break; fi
        sleep 0.2
    done
    cat /tmp/drives.env
    [ "$missing" = 0 ] || echo "hw-guest: $missing drive(s) not found" >&2
}

hw_locate() { # BUS ID NAME
    local bus=$1 id=$2 name=$3 d hctl host tgt pn idx=0 want sr sg
    case $bus in virtio) want=virtio_scsi ;; ahci) want=ahci ;; *) return 1 ;; esac
    # ahci: one SCSI host per port, in port order; count ahci hosts to find port ID.
    for d in $(ls /sys/class/scsi_host | sed 's/host//' | sort -n); do
        pn=$(cat /sys/class/scsi_host/host$d/proc_name 2>/dev/null)
        [ "$pn" = "$want" ] || continue
        if [ "$bus" = ahci ]; then
            if [ "$idx" != "$id" ]; then idx=$((idx + 1)); continue; fi
            host=$d; break
        fi
        host="$host $d"
    done
    for d in /sys/class/scsi_device/*; do
        [ -e "$d" ] || continue
        hctl=${d##*/}
        set -- $(echo "$hctl" | tr ':' ' ')
        case " $host " in *" $1 "*) ;; *) continue ;; esac
        if [ "$bus" = virtio ] && [ "$3" != "$id" ]; then continue; fi
        sr=$(ls "$d/device/block" 2>/dev/null | head -n1)
        sg=$(ls "$d/device/scsi_generic" 2>/dev/null | head -n1)
        [ -n "$sr" ] && [ -n "$sg" ] && [ -e "/dev/$sr" ] && [ -e "/dev/$sg" ] || return 1
        echo "DEV_$name=/dev/$sr"
        echo "SG_$name=/dev/$sg"
        echo "HCTL_$name=$hctl"
        return 0
    done
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

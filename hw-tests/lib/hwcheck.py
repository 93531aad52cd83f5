#!/usr/bin/env python3
"""Host-side decoding for hw-tests checks (the guest CPU is slow; decode here).

  hwcheck.py sense FILE            sg_raw -v stderr -> "KK/AA/QQ", "DID_ERROR", "GOOD" or "?"
  hwcheck.py readcd BIN ISO LBA    check a 2352-byte READ CD answer against the ISO sector:
                                   prints "sync header=bcd|binary|bad data edc=zero|set ecc=zero|set"
                                   (ECMA-130 14.2: the header's MSF is BCD; "binary" is the
                                   same address not BCD-encoded, as QEMU's ide-cd writes it)
  hwcheck.py raw-rip BIN ISO       check a raw (2352/sector) rip: sync and user data of every
                                   sector equal the ISO's, header address right in BCD or in
                                   binary; prints counts
  hwcheck.py raw-headers BIN       header encodings in a raw rip: "bcd=N binary=N both=N bad=N"
  hwcheck.py toc FILE              READ TOC answer: "len=N first=F last=L"
"""
import re, sys


def sense(path):
    text = open(path, errors="replace").read()
    m = re.search(r"Host_status=0x[0-9a-f]+ \[(DID_\w+)\]", text)
    if m and m.group(1) != "DID_OK":
        return m.group(1)
    m = re.search(r"Raw sense data \(in hex\)[^\n]*\n((?:\s+(?:[0-9a-f]{2}\s*)+\n?)+)", text)
    if m:
        b = bytes(int(x, 16) for x in m.group(1).split())
        if b and (b[0] & 0x7F) in (0x70, 0x71) and len(b) >= 14:
            return "%02X/%02X/%02X" % (b[2] & 0x0F, b[12], b[13])
        if b and (b[0] & 0x7F) in (0x72, 0x73) and len(b) >= 4:
            return "%02X/%02X/%02X" % (b[1] & 0x0F, b[2], b[3])
    if "SCSI Status: Good" in text:
        return "GOOD"
    return "?"


def bin_msf(lba):
    f = lba + 150
    return bytes((f // 4500, f // 75 % 60, f % 75))


def bcd_msf(lba):
    return bytes((b // 10 * 16 + b % 10) for b in bin_msf(lba))


SYNC = b"\x00" + b"\xff" * 10 + b"\x00"


def header_kind(s, lba):
    """'both' when BCD and binary coincide (every field < 10), else 'bcd', 'binary', 'bad'."""
    if s[15] != 1:
        return "bad"
    b, n = s[12:15] == bcd_msf(lba), s[12:15] == bin_msf(lba)
    return "both" if b and n else "bcd" if b else "binary" if n else "bad"


def readcd(bin_path, iso_path, lba):
    d = open(bin_path, "rb").read()
    with open(iso_path, "rb") as f:
        f.seek(lba * 2048)
        user = f.read(2048)
    out = []
    out.append("sync" if d[:12] == SYNC else "nosync")
    k = header_kind(d, lba)
    out.append("header=" + ("bcd" if k == "both" else k) if k != "bad" else "badheader:" + d[12:16].hex())
    out.append("data" if d[16:2064] == user else "baddata")
    out.append("edc=" + ("zero" if d[2064:2068] == b"\0" * 4 else "set"))
    out.append("ecc=" + ("zero" if not any(d[2076:2352]) else "set"))
    return " ".join(out)


def raw_rip(bin_path, iso_path):
    iso = open(iso_path, "rb")
    n = bad = edc_zero = 0
    with open(bin_path, "rb") as f:
        while True:
            s = f.read(2352)
            if not s:
                break
            u = iso.read(2048)
            n += 1
            if len(s) != 2352 or s[:12] != SYNC or header_kind(s, n - 1) == "bad" or s[16:2064] != u:
                bad += 1
            if s[2064:2068] == b"\0" * 4:
                edc_zero += 1
    return "sectors=%d bad=%d edc_zero=%d" % (n, bad, edc_zero)


def raw_headers(bin_path):
    c = {"bcd": 0, "binary": 0, "both": 0, "bad": 0}
    with open(bin_path, "rb") as f:
        lba = 0
        while True:
            s = f.read(2352)
            if len(s) < 16:
                break
            c[header_kind(s, lba)] += 1
            lba += 1
    return " ".join("%s=%d" % kv for kv in c.items())


def toc(path):
    d = open(path, "rb").read()
    n = int.from_bytes(d[:2], "big") + 2
    return "len=%d first=%d last=%d" % (n, d[2], d[3])


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    try:
        if cmd == "sense":
            print(sense(args[0]))
        elif cmd == "readcd":
            print(readcd(args[0], args[1], int(args[2])))
        elif cmd == "raw-rip":
            print(raw_rip(args[0], args[1]))
        elif cmd == "raw-headers":
            print(raw_headers(args[0]))
        elif cmd == "toc":
            print(toc(args[0]))
        else:
            sys.exit("unknown command " + cmd)
    except (OSError, IndexError, ValueError) as e:
        print("error: %s" % e)
        sys.exit(1)

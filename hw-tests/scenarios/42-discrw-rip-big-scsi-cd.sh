SC_DESC="rip a generated 210 MB ISO (each block numbered) from QEMU scsi-cd; SHA-256 equals the file"
SC_GROUP=rip
SC_NEEDS="rip"
SC_TIMEOUT=300
sc_setup() { rip_big_setup scsi; }
sc_check() { rip_big_check; }

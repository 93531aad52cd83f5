SC_DESC="rip a generated 210 MB ISO (each block numbered) from QEMU ide-cd (ATAPI through libata); SHA-256 equals the file"
SC_GROUP=rip
SC_NEEDS="rip"
SC_TIMEOUT=300
sc_setup() { rip_big_setup ide; }
sc_check() { rip_big_check; }

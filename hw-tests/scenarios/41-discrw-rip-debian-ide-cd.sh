SC_DESC="rip three ISOs shipped in Debian packages (grub-rescue-pc, memtest86+, ipxe) from QEMU ide-cd (ATAPI through libata); SHA-256 equals the file"
SC_GROUP=rip
SC_NEEDS="rip"
SC_TIMEOUT=180
sc_setup() { rip_debian_setup ide; }
sc_check() { rip_debian_check; }

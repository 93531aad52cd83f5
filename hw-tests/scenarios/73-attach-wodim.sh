SC_DESC="wodim (cdrkit) burns to attached blank media: CD-R TAO and DAO, CD-RW after blank=fast; sg_dd reads back bit-exactly; discrw verify and info on the host check the medium file (closed disc)"
SC_GROUP=attach
SC_NEEDS="virtual"
SC_TIMEOUT=300
# LABEL:KIND:wodim write mode
ATT_WODIM="cdrtao:cd-r:-tao cdrdao:cd-r:-dao cdrw:cd-rw:-tao"
sc_setup() { attach_cdrecord_setup wodim "" "$ATT_WODIM"; }
sc_check() { attach_cdrecord_check "$ATT_WODIM"; }

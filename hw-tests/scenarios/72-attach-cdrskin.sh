SC_DESC="cdrskin (libburn) burns to attached blank media: CD-R TAO and SAO, CD-RW after blank=fast, DVD-R DAO, BD-R; sg_dd reads back bit-exactly; discrw verify and info on the host check the medium file (closed disc)"
SC_GROUP=attach
SC_NEEDS="virtual"
SC_TIMEOUT=400
# LABEL:KIND:cdrskin write mode
ATT_CDRSKIN="cdrtao:cd-r:-tao cdrsao:cd-r:-sao cdrw:cd-rw:-tao dvdr:dvd-r:-sao bdr:bd-r:-tao"
sc_setup() { attach_cdrecord_setup cdrskin padsize=0 "$ATT_CDRSKIN"; }
sc_check() { attach_cdrecord_check "$ATT_CDRSKIN"; }

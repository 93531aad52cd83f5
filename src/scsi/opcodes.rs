//! Command names by operation code (SPC-4 Annex D, MMC-6 Table 14), for traces.

/// The name of the command with this operation code, "UNKNOWN" for one we do not list.
pub fn name(opcode: u8) -> &'static str {
    match opcode {
        0x00 => "TEST UNIT READY",
        0x01 => "REZERO UNIT",
        0x03 => "REQUEST SENSE",
        0x04 => "FORMAT UNIT",
        0x08 => "READ(6)",
        0x0A => "WRITE(6)",
        0x12 => "INQUIRY",
        0x15 => "MODE SELECT(6)",
        0x16 => "RESERVE(6)",
        0x17 => "RELEASE(6)",
        0x1A => "MODE SENSE(6)",
        0x1B => "START STOP UNIT",
        0x1D => "SEND DIAGNOSTIC",
        0x1E => "PREVENT ALLOW MEDIUM REMOVAL",
        0x23 => "READ FORMAT CAPACITIES",
        0x25 => "READ CAPACITY",
        0x28 => "READ(10)",
        0x2A => "WRITE(10)",
        0x2B => "SEEK(10)",
        0x2E => "WRITE AND VERIFY(10)",
        0x2F => "VERIFY(10)",
        0x35 => "SYNCHRONIZE CACHE",
        0x3B => "WRITE BUFFER",
        0x3C => "READ BUFFER",
        0x42 => "READ SUB-CHANNEL",
        0x43 => "READ TOC/PMA/ATIP",
        0x45 => "PLAY AUDIO(10)",
        0x46 => "GET CONFIGURATION",
        0x47 => "PLAY AUDIO MSF",
        0x4A => "GET EVENT STATUS NOTIFICATION",
        0x4B => "PAUSE/RESUME",
        0x4E => "STOP PLAY/SCAN",
        0x51 => "READ DISC INFORMATION",
        0x52 => "READ TRACK INFORMATION",
        0x53 => "RESERVE TRACK",
        0x54 => "SEND OPC INFORMATION",
        0x55 => "MODE SELECT(10)",
        0x58 => "REPAIR TRACK",
        0x5A => "MODE SENSE(10)",
        0x5B => "CLOSE TRACK/SESSION",
        0x5C => "READ BUFFER CAPACITY",
        0x5D => "SEND CUE SHEET",
        0x5E => "PERSISTENT RESERVE IN",
        0x5F => "PERSISTENT RESERVE OUT",
        0xA0 => "REPORT LUNS",
        0xA1 => "BLANK",
        0xA2 => "SECURITY PROTOCOL IN",
        0xA3 => "SEND KEY",
        0xA4 => "REPORT KEY",
        0xA5 => "PLAY AUDIO(12)",
        0xA6 => "LOAD/UNLOAD MEDIUM",
        0xA7 => "SET READ AHEAD",
        0xA8 => "READ(12)",
        0xAA => "WRITE(12)",
        0xAC => "GET PERFORMANCE",
        0xAD => "READ DISC STRUCTURE",
        0xB5 => "SECURITY PROTOCOL OUT",
        0xB6 => "SET STREAMING",
        0xB9 => "READ CD MSF",
        0xBA => "SCAN",
        0xBB => "SET CD SPEED",
        0xBD => "MECHANISM STATUS",
        0xBE => "READ CD",
        0xBF => "SEND DISC STRUCTURE",
        _ => "UNKNOWN",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_of_the_commands_burners_send() {
        assert_eq!(super::name(0xBE), "READ CD");
        assert_eq!(super::name(0x5B), "CLOSE TRACK/SESSION");
        assert_eq!(super::name(0x1A), "MODE SENSE(6)");
        assert_eq!(super::name(0xFF), "UNKNOWN");
    }
}

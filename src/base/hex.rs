//! The one hex printer: bytes as lowercase hex digits, two per byte, nothing between
//! them (`[0x0a, 0xff]` is `0aff`, no bytes is the empty string). The dumps, the trace
//! language and the tools' pictures all print bytes through here; a spelling that needs
//! a mark for "no bytes" (the dump's `-`) adds it at its call site.

use core::fmt::Write as _;

/// Appends `b` as lowercase hex.
pub fn hex_into(out: &mut String, b: &[u8]) {
    for x in b {
        let _ = write!(out, "{x:02x}");
    }
}

/// `b` as lowercase hex.
#[cfg_attr(not(feature = "export-test"), allow(dead_code))] // for export_test
pub fn hex(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 * b.len());
    hex_into(&mut s, b);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_two_digits_per_byte() {
        assert_eq!(hex(&[]), "");
        assert_eq!(hex(&[0x00, 0x0a, 0xff, 0x9c]), "000aff9c");
        let mut s = String::from("s2:");
        hex_into(&mut s, b"hi");
        assert_eq!(s, "s2:6869");
    }
}

//! The one hex printer and its parser: bytes as lowercase hex digits, two per byte,
//! nothing between them (`[0x0a, 0xff]` is `0aff`, no bytes is the empty string). The
//! dumps, the trace language and the tools' pictures all print bytes through here, and
//! read them back through [`unhex`]; a spelling that needs a mark for "no bytes" (the
//! dump's `-`) handles it at its call site.

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

/// The value of one hex digit (either case).
fn hexval(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The bytes spelled by `s`, an even number of hex digits (either case, nothing else:
/// no sign, no space, no prefix); `None` for anything else.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return None;
    }
    b.chunks(2)
        .map(|p| Some(hexval(p[0])? << 4 | hexval(p[1])?))
        .collect()
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

    #[test]
    fn unhex_reads_what_hex_prints_and_nothing_else() {
        let all: Vec<u8> = (0..=255).collect();
        assert_eq!(unhex(&hex(&all)).unwrap(), all);
        assert_eq!(unhex("0AfF").unwrap(), [0x0a, 0xff]);
        assert_eq!(unhex("").unwrap(), [0u8; 0]);
        // A sign (which u8::from_str_radix would take), an odd length, a non-digit, a
        // multi-byte character: refused, never a panic.
        for bad in ["+f", "0", "0g", "é1", "1é", " 0", "0x"] {
            assert_eq!(unhex(bad), None, "{bad:?}");
        }
    }
}

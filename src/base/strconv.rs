//! Go's `strconv.ParseFloat`, `ParseInt` and `ParseUint` (base 10): what the Go oracle
//! reads the numbers of a trace with, so that a trace means the same number to both sides.
//!
//! Ported from Go's `strconv/atof.go` (`special`, `readFloat`, `atofHex`) and
//! `strconv/atoi.go` (`underscoreOK`, the base-10 range checks). What Go accepts and Rust's
//! `str::parse` does not (or the other way round): hex floats (`0x1.8p3`, rounded to
//! nearest even with the truncated digits as a sticky bit), `_` between digits of a float
//! (`1_000.5`), `nan`/`inf`/`infinity` in any case (NaN with Go's bits
//! `0x7ff8000000000001`, and no sign before `nan`), a finite spelling out of range is an
//! error (Rust returns infinity), a `+` before an unsigned integer is an error (Rust takes
//! it). Decimal floats are rounded by Rust's parser from the digits and exponent Go's
//! `readFloat` reads (both round correctly, so the results agree, including Go's cap of
//! the written exponent at 10,000).
//
// Copyright 2009 The Go Authors. All rights reserved.
// Use of this source code is governed by a BSD-style license that can be found
// in Go's LICENSE file.

use std::fmt;

/// Go's `math.NaN()`: what `ParseFloat` returns for `NaN` (Rust's `f64::NAN` has other
/// bits, which a dump would show).
pub const GO_NAN_BITS: u64 = 0x7ff8_0000_0000_0001;

/// `float32(math.NaN())` on amd64: the conversion keeps the quiet bit and drops the
/// payload's low bits.
pub const GO_NAN32_BITS: u32 = 0x7fc0_0000;

/// Why a number was refused: Go's `ErrSyntax` or `ErrRange`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumError {
    /// Not a number in Go's spelling.
    Syntax,
    /// Out of the type's range.
    Range,
}

impl fmt::Display for NumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NumError::Syntax => "invalid syntax",
            NumError::Range => "value out of range",
        })
    }
}

/// `strconv.ParseFloat(s, 64)`.
pub fn parse_float64(s: &str) -> Result<f64, NumError> {
    parse_float(s, false)
}

/// `float32` of `strconv.ParseFloat(s, 32)`: rounded once, straight to `float32`; a NaN
/// has Go's converted bits ([`GO_NAN32_BITS`]).
pub fn parse_float32(s: &str) -> Result<f32, NumError> {
    // The value is a float32's (or ±Inf), so the conversion is exact; a NaN gets the bits
    // Go's conversion of math.NaN() gives.
    parse_float(s, true).map(|f| {
        if f.is_nan() {
            f32::from_bits(GO_NAN32_BITS)
        } else {
            f as f32
        }
    })
}

/// Go's `ParseFloat(s, 32 or 64)`: for 32 bits the `float32` value, widened (exactly).
fn parse_float(s: &str, is32: bool) -> Result<f64, NumError> {
    let b = s.as_bytes();
    if let Some((v, n)) = special(b) {
        return if n == b.len() {
            Ok(v)
        } else {
            Err(NumError::Syntax)
        };
    }
    let r = read_float(b).ok_or(NumError::Syntax)?;
    if r.end != b.len() {
        return Err(NumError::Syntax);
    }
    if r.hex {
        let info = if is32 { &FLOAT32_INFO } else { &FLOAT64_INFO };
        let bits = atof_hex(info, r.mantissa, r.exp, r.neg, r.trunc)?;
        return Ok(if is32 {
            f32::from_bits(bits as u32) as f64
        } else {
            f64::from_bits(bits)
        });
    }
    // Decimal: every significant digit, with Go's decimal point (exponent capped as
    // readFloat caps it), rounded correctly by Rust's parser, once, at the wanted width.
    let text = format!(
        "{}0.{}e{}",
        if r.neg { "-" } else { "" },
        if r.digits.is_empty() { "0" } else { &r.digits },
        r.dp
    );
    let f = if is32 {
        text.parse::<f32>().map(f64::from)
    } else {
        text.parse::<f64>()
    }
    .map_err(|_| NumError::Syntax)?;
    if f.is_infinite() {
        return Err(NumError::Range);
    }
    Ok(f)
}

/// Go's `special`: a (signed) `inf`/`infinity` or an unsigned `nan`, in any case, at the
/// start of `s`: the value and how many bytes it took.
fn special(s: &[u8]) -> Option<(f64, usize)> {
    let first = *s.first()?;
    let prefix = |s: &[u8], word: &[u8]| {
        s.iter()
            .zip(word)
            .take_while(|(a, b)| a.to_ascii_lowercase() == **b)
            .count()
    };
    let (sign, nsign, rest) = match first {
        b'+' => (1.0, 1, &s[1..]),
        b'-' => (-1.0, 1, &s[1..]),
        b'i' | b'I' => (1.0, 0, s),
        b'n' | b'N' => {
            return (prefix(s, b"nan") == 3).then_some((f64::from_bits(GO_NAN_BITS), 3));
        }
        _ => return None,
    };
    let mut n = prefix(rest, b"infinity");
    // Anything longer than "inf" is fine, but without the whole "infinity" only "inf"
    // is taken.
    if 3 < n && n < 8 {
        n = 3;
    }
    (n == 3 || n == 8).then_some((sign * f64::INFINITY, nsign + n))
}

/// What Go's `readFloat` reads: the first digits as an integer `mantissa` (19 decimal or
/// 16 hex digits) with `trunc` set when later non-zero digits were dropped, `exp` such
/// that the value is `mantissa * base^exp` (bits for hex), and for decimals every
/// significant digit and the point's position `dp` (value `0.DIGITS * 10^dp`).
struct ReadFloat {
    mantissa: u64,
    exp: i64,
    neg: bool,
    trunc: bool,
    hex: bool,
    digits: String,
    dp: i64,
    end: usize,
}

fn lower(c: u8) -> u8 {
    c | 0x20
}

/// Port of `readFloat`; `None` where Go's returns `ok = false`.
fn read_float(s: &[u8]) -> Option<ReadFloat> {
    let mut underscores = false;
    let mut i = 0;
    let mut neg = false;
    match s.first()? {
        b'+' => i += 1,
        b'-' => {
            neg = true;
            i += 1
        }
        _ => {}
    }
    let mut base: u64 = 10;
    let mut max_mant_digits = 19; // 10^19 fits in a u64
    let mut exp_char = b'e';
    let mut hex = false;
    if i + 2 < s.len() && s[i] == b'0' && lower(s[i + 1]) == b'x' {
        base = 16;
        max_mant_digits = 16; // 16^16 fits in a u64
        i += 2;
        exp_char = b'p';
        hex = true;
    }
    let (mut sawdot, mut sawdigits) = (false, false);
    let (mut nd, mut nd_mant, mut dp): (i64, i64, i64) = (0, 0, 0);
    let mut mantissa: u64 = 0;
    let mut trunc = false;
    let mut digits = String::new();
    while i < s.len() {
        let c = s[i];
        let d = match c {
            b'_' => {
                underscores = true;
                i += 1;
                continue;
            }
            b'.' => {
                if sawdot {
                    break;
                }
                sawdot = true;
                dp = nd;
                i += 1;
                continue;
            }
            b'0'..=b'9' => (c - b'0') as u64,
            _ if hex && (b'a'..=b'f').contains(&lower(c)) => (lower(c) - b'a' + 10) as u64,
            _ => break,
        };
        sawdigits = true;
        i += 1;
        if d == 0 && nd == 0 {
            // Leading zeros are ignored.
            dp -= 1;
            continue;
        }
        nd += 1;
        if !hex {
            digits.push(c as char);
        }
        if nd_mant < max_mant_digits {
            mantissa = mantissa * base + d;
            nd_mant += 1;
        } else if d != 0 {
            trunc = true;
        }
    }
    if !sawdigits {
        return None;
    }
    if !sawdot {
        dp = nd;
    }
    let dp_digits = dp; // the point's position in digits, before the exponent
    if hex {
        dp *= 4;
        nd_mant *= 4;
    }
    // The optional exponent moves the point. A huge one only needs to be huge (Go caps
    // the number it reads at 10,000).
    let mut e_total = 0i64;
    if i < s.len() && lower(s[i]) == exp_char {
        i += 1;
        if i >= s.len() {
            return None;
        }
        let mut esign = 1;
        if s[i] == b'+' {
            i += 1;
        } else if s[i] == b'-' {
            i += 1;
            esign = -1;
        }
        if i >= s.len() || !s[i].is_ascii_digit() {
            return None;
        }
        let mut e = 0i64;
        while i < s.len() && (s[i].is_ascii_digit() || s[i] == b'_') {
            if s[i] == b'_' {
                underscores = true;
            } else if e < 10000 {
                e = e * 10 + (s[i] - b'0') as i64;
            }
            i += 1;
        }
        e_total = e * esign;
        dp += e_total;
    } else if hex {
        // A hex float must have an exponent.
        return None;
    }
    let exp = if mantissa != 0 { dp - nd_mant } else { 0 };
    if underscores && !underscore_ok(&s[..i]) {
        return None;
    }
    Some(ReadFloat {
        mantissa,
        exp,
        neg,
        trunc,
        hex,
        digits,
        dp: dp_digits + e_total,
        end: i,
    })
}

/// Go's `underscoreOK`: underscores only between digits, or between a base prefix and a
/// digit.
fn underscore_ok(s: &[u8]) -> bool {
    // The class of the last byte: '^' the start, '0' a digit or base prefix, '_' an
    // underscore, '!' anything else.
    let mut saw = b'^';
    let s = match s.first() {
        Some(b'+' | b'-') => &s[1..],
        _ => s,
    };
    let mut i = 0;
    let mut hex = false;
    if s.len() >= 2 && s[0] == b'0' && matches!(lower(s[1]), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0'; // a base prefix counts as a digit here
        hex = lower(s[1]) == b'x';
    }
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c.is_ascii_digit() || hex && (b'a'..=b'f').contains(&lower(c)) {
            saw = b'0';
            continue;
        }
        if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
            continue;
        }
        if saw == b'_' {
            return false;
        }
        saw = b'!';
    }
    saw != b'_'
}

/// Go's `floatInfo`.
struct FloatInfo {
    mantbits: u32,
    expbits: u32,
    bias: i64,
}

const FLOAT32_INFO: FloatInfo = FloatInfo {
    mantbits: 23,
    expbits: 8,
    bias: -127,
};
const FLOAT64_INFO: FloatInfo = FloatInfo {
    mantbits: 52,
    expbits: 11,
    bias: -1023,
};

/// Port of `atofHex`: the bits of `mantissa * 2^exp` (with `trunc` a sticky bit below
/// it), rounded to nearest even; out of range is [`NumError::Range`].
fn atof_hex(
    flt: &FloatInfo,
    mut mantissa: u64,
    exp: i64,
    neg: bool,
    trunc: bool,
) -> Result<u64, NumError> {
    let max_exp = (1i64 << flt.expbits) + flt.bias - 2;
    let min_exp = flt.bias + 1;
    let mut exp = exp + flt.mantbits as i64; // mantissa now implicitly divided by 2^mantbits

    // Shift into range: a leading 1 and mantbits bits, plus two rounding bits of which
    // the lower is sticky (set when non-zero bits were lost).
    while mantissa != 0 && mantissa >> (flt.mantbits + 2) == 0 {
        mantissa <<= 1;
        exp -= 1;
    }
    if trunc {
        mantissa |= 1;
    }
    while mantissa >> (1 + flt.mantbits + 2) != 0 {
        mantissa = mantissa >> 1 | mantissa & 1;
        exp += 1;
    }
    // Too small: denormalise in the hope of making it representable (the -2 is for the
    // rounding bits).
    while mantissa > 1 && exp < min_exp - 2 {
        mantissa = mantissa >> 1 | mantissa & 1;
        exp += 1;
    }
    // Round with the two low bits, to even.
    let mut round = mantissa & 3;
    mantissa >>= 2;
    round |= mantissa & 1;
    exp += 2;
    if round == 3 {
        mantissa += 1;
        if mantissa == 1 << (1 + flt.mantbits) {
            mantissa >>= 1;
            exp += 1;
        }
    }
    if mantissa >> flt.mantbits == 0 {
        // Denormal or zero.
        exp = flt.bias;
    }
    if exp > max_exp {
        return Err(NumError::Range);
    }
    let mut bits = mantissa & ((1 << flt.mantbits) - 1);
    bits |= (((exp - flt.bias) as u64) & ((1 << flt.expbits) - 1)) << flt.mantbits;
    if neg {
        bits |= 1 << flt.mantbits << flt.expbits;
    }
    Ok(bits)
}

/// `strconv.ParseUint(s, 10, bits)`: decimal digits only (no sign, no underscores).
pub fn parse_uint(s: &str, bits: u32) -> Result<u64, NumError> {
    if s.is_empty() {
        return Err(NumError::Syntax);
    }
    let max: u64 = if bits >= 64 {
        u64::MAX
    } else {
        (1 << bits) - 1
    };
    let mut n: u64 = 0;
    for c in s.bytes() {
        if !c.is_ascii_digit() {
            return Err(NumError::Syntax);
        }
        // Go stops at the first digit that overflows (a later non-digit is not seen).
        n = n
            .checked_mul(10)
            .and_then(|m| m.checked_add((c - b'0') as u64))
            .filter(|&m| m <= max)
            .ok_or(NumError::Range)?;
    }
    Ok(n)
}

/// `strconv.ParseInt(s, 10, bits)`: an optional sign, then decimal digits.
pub fn parse_int(s: &str, bits: u32) -> Result<i64, NumError> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'+') => (false, &s[1..]),
        Some(b'-') => (true, &s[1..]),
        Some(_) => (false, s),
        None => return Err(NumError::Syntax),
    };
    let un = parse_uint(digits, 64)?;
    let cutoff = 1u64 << (bits.clamp(1, 64) - 1);
    if !neg && un >= cutoff || neg && un > cutoff {
        return Err(NumError::Range);
    }
    Ok(if neg {
        (un as i64).wrapping_neg()
    } else {
        un as i64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> Result<u64, NumError> {
        parse_float64(s).map(f64::to_bits)
    }
    fn b32(s: &str) -> Result<u32, NumError> {
        parse_float32(s).map(f32::to_bits)
    }

    /// Cases of Go's `atof_test.go` (`atoftests`, `atof32tests`): decimal, hex, special
    /// values, underscores, range and syntax errors.
    #[test]
    fn atof_cases_of_go() {
        let ok64: &[(&str, f64)] = &[
            ("1", 1.0),
            ("+1", 1.0),
            ("1e23", 1e23),
            ("1E23", 1e23),
            ("100000000000000000000000", 1e23),
            ("1e-100", 1e-100),
            ("123456700", 1.234567e+08),
            ("99999999999999974834176", 9.999999999999997e+22),
            ("100000000000000008388608", 1.0000000000000001e+23),
            ("-1", -1.0),
            ("-0.1", -0.1),
            (".5", 0.5),
            ("5.", 5.0),
            ("0x1p0", 1.0),
            ("0x1p1", 2.0),
            ("0x1p-1", 0.5),
            ("0x1ep-1", 15.0),
            ("-0x1ep-1", -15.0),
            ("0x1_ep-1", 15.0),
            ("0x1p-200", 6.223015277861142e-61),
            ("0x1.8p1", 3.0),
            ("0x.8p1", 1.0),
            ("1_23.50_0_0e+1_2", 1.235e+14),
            ("0x_1_0p0", 16.0),
            ("0x1fffffffffffffp0", 9007199254740991.0),
            ("0x1fffffffffffffp1", 18014398509481982.0),
            // Rounding to even with the truncated digits as a sticky bit.
            ("0x20000000000001p0", 9007199254740992.0),
            ("0x20000000000002p0", 9007199254740994.0),
            ("0x20000000000003p0", 9007199254740996.0),
            ("0x200000000000010000000001p-40", 9007199254740994.0),
            ("0x1p-1074", 5e-324),
            ("0x1p-1075", 0.0),
            ("0x1.8p-1074", 1e-323),
            ("0x1.0000000000001p-1022", 2.225073858507202e-308),
            ("0x1p-1076", 0.0),
            ("0x1.fffffffffffffp1023", 1.7976931348623157e308),
            ("1e-350", 0.0),
            ("1e-4294967296", 0.0),
            ("infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("+INF", f64::INFINITY),
            ("-inf", f64::NEG_INFINITY),
        ];
        for &(s, want) in ok64 {
            assert_eq!(b64(s), Ok(want.to_bits()), "{s}");
        }
        assert_eq!(parse_float64("1x"), Err(NumError::Syntax));
        assert_eq!(parse_float64("1e+4294967296"), Err(NumError::Range));
        assert_eq!(b64("-0"), Ok((-0.0f64).to_bits()));
        assert_eq!(b64("-0x0p0"), Ok((-0.0f64).to_bits()));
        for s in ["nan", "NaN", "NAN", "nAn"] {
            assert_eq!(b64(s), Ok(GO_NAN_BITS), "{s}");
            assert_eq!(b32(s), Ok(GO_NAN32_BITS), "{s}");
        }
        for s in [
            "", " 1", "1 ", "+nan", "-NaN", "infinit", "infx", "1e", "1e+", "e1", ".", "0x", "0x1",
            "0x1.8", "0xp1", "1__0", "_1", "1_", "1_.5", "1._5", "0x_p1", "0x1p_1", "1e_1", "+",
            "-", "1.2.3", "0b101", "0o17", "1e1_", "1p1", "0x1e1",
        ] {
            assert_eq!(parse_float64(s), Err(NumError::Syntax), "{s:?}");
        }
        for s in [
            "1e309",
            "-1e309",
            "0x1p1024",
            "0x1.fffffffffffff8p1023",
            "1.8e308",
        ] {
            assert_eq!(parse_float64(s), Err(NumError::Range), "{s}");
        }
        // float32: rounded once, straight from the decimal (no double rounding).
        assert_eq!(b32("1.000000059604644775390625"), Ok(0x3f80_0000)); // the tie: to even
        assert_eq!(b32("1.000000059604644775390626"), Ok(0x3f80_0001));
        assert_eq!(b32("3.4028235e38"), Ok(0x7f7f_ffff));
        assert_eq!(parse_float32("3.5e38"), Err(NumError::Range));
        assert_eq!(parse_float32("0x1p128"), Err(NumError::Range));
        assert_eq!(b32("0x1p-149"), Ok(1));
        assert_eq!(b32("0x1p-150"), Ok(0));
        assert_eq!(b32("0x1.8p-149"), Ok(2));
        assert_eq!(b32("-0"), Ok(0x8000_0000));
        assert_eq!(b32("1e-46"), Ok(0));
        // Go caps the written exponent at 10,000 while leading zeros still move the point.
        // (True values: 10^79999 and 10^-79999.)
        let zeros = "0".repeat(20000);
        assert_eq!(b64(&format!("0.{zeros}1e100000")), Ok(0));
        assert_eq!(
            parse_float64(&format!("1{zeros}e-100000")),
            Err(NumError::Range)
        );
        assert_eq!(b64(&format!("1{zeros}e-20000")), Ok(1.0f64.to_bits()));
    }

    #[test]
    fn atoi_cases_of_go() {
        assert_eq!(parse_int("0", 8), Ok(0));
        assert_eq!(parse_int("-0", 8), Ok(0));
        assert_eq!(parse_int("+127", 8), Ok(127));
        assert_eq!(parse_int("-128", 8), Ok(-128));
        assert_eq!(parse_int("128", 8), Err(NumError::Range));
        assert_eq!(parse_int("-129", 8), Err(NumError::Range));
        assert_eq!(parse_int("007", 16), Ok(7));
        assert_eq!(parse_int("9223372036854775807", 64), Ok(i64::MAX));
        assert_eq!(parse_int("-9223372036854775808", 64), Ok(i64::MIN));
        assert_eq!(parse_int("9223372036854775808", 64), Err(NumError::Range));
        assert_eq!(
            parse_int("99999999999999999999999", 64),
            Err(NumError::Range)
        );
        for s in [
            "", "+", "-", "1_0", "0x10", " 1", "1 ", "--1", "+-1", "1e3", "١",
        ] {
            assert_eq!(parse_int(s, 64), Err(NumError::Syntax), "{s:?}");
        }
        assert_eq!(parse_uint("255", 8), Ok(255));
        assert_eq!(parse_uint("256", 8), Err(NumError::Range));
        assert_eq!(parse_uint("18446744073709551615", 64), Ok(u64::MAX));
        assert_eq!(parse_uint("18446744073709551616", 64), Err(NumError::Range));
        for s in ["+1", "-1", "-0", "1_0", ""] {
            assert_eq!(parse_uint(s, 64), Err(NumError::Syntax), "{s:?}");
        }
        // Go stops at the first overflowing digit, before a later syntax error.
        assert_eq!(
            parse_uint("99999999999999999999x", 64),
            Err(NumError::Range)
        );
        assert_eq!(parse_uint("9x", 64), Err(NumError::Syntax));
    }
}

//! gomap's port of Go's `strconv` number parsing (`src/base/strconv.rs`, what the trace
//! language reads numbers with) against Go 1.19's own `strconv` (`tests/go/strconv`), on
//! generated spellings: decimal and hex floats near rounding boundaries, subnormals,
//! overflow, underscores in and out of place, `inf`/`nan` in any case, integers of every
//! size around their limits. Needs Go 1.19 (`$GO`, `/usr/lib/go-1.19/bin/go`); with `CI`
//! set, a missing toolchain fails the test.

use std::io::Write;
use std::process::{Command, Stdio};

use gomap::export_test::base::strconv::{
    parse_float32, parse_float64, parse_int, parse_uint, NumError,
};
use gomap::maptype::release::GoRelease;
use gomap_tools::trace::toolchain::go_build;

/// splitmix64, fixed seed: the same spellings on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn digits(&mut self, n: usize, hex: bool) -> String {
        let set: &[u8] = if hex {
            b"0123456789abcdefABCDEF"
        } else {
            b"0123456789"
        };
        (0..n)
            .map(|_| set[self.below(set.len() as u64) as usize] as char)
            .collect()
    }
}

/// Underscores at random places (sometimes valid, often not), or none.
fn sprinkle(r: &mut Rng, s: String) -> String {
    if r.below(4) != 0 {
        return s;
    }
    let mut out = String::new();
    for c in s.chars() {
        if r.below(6) == 0 {
            out.push('_');
        }
        out.push(c);
    }
    out
}

fn float_spelling(r: &mut Rng) -> String {
    let sign = r.pick(&["", "", "-", "+"]);
    match r.below(10) {
        // Decimal, short or long, with or without point and exponent.
        0..=3 => {
            let len = [1, 3, 17, 19, 20, 40, 800][r.below(7) as usize];
            let int = {
                let n = r.below(len as u64 + 1) as usize;
                r.digits(n, false)
            };
            let frac = {
                let n = r.below(len as u64 + 1) as usize;
                r.digits(n, false)
            };
            let mut s = match r.below(4) {
                0 => int.clone(),
                1 => format!("{int}.{frac}"),
                2 => format!(".{frac}"),
                _ => format!("{int}."),
            };
            if r.below(2) == 0 {
                let e = match r.below(4) {
                    0 => r.below(30).to_string(),
                    1 => r.below(330).to_string(),
                    2 => r.below(400).to_string(),
                    _ => {
                        let n = 1 + r.below(12) as usize;
                        r.digits(n, false)
                    }
                };
                s = format!(
                    "{s}{}{}{e}",
                    r.pick(&["e", "E"]),
                    r.pick(&["", "+", "-", "-"])
                );
            }
            format!("{sign}{}", sprinkle(r, s))
        }
        // Hex floats: up to 30 significant digits (past the 16 Go keeps exactly), around
        // the subnormal and overflow exponents.
        4..=6 => {
            let int = {
                let n = r.below(20) as usize;
                r.digits(n, true)
            };
            let frac = {
                let n = r.below(20) as usize;
                r.digits(n, true)
            };
            let mant = match r.below(3) {
                0 => int,
                1 => format!("{int}.{frac}"),
                _ => format!(".{frac}"),
            };
            let e: i64 = match r.below(4) {
                0 => r.below(40) as i64 - 20,
                1 => -(1000 + r.below(200) as i64),
                2 => -(120 + r.below(60) as i64),
                _ => 100 + r.below(1000) as i64,
            };
            let p = if r.below(20) == 0 {
                ""
            } else {
                r.pick(&["p", "P"])
            };
            let s = format!("{}{mant}{p}{e}", r.pick(&["0x", "0X"]));
            format!("{sign}{}", sprinkle(r, s))
        }
        // Exact neighbours of floats: printed with more digits than they need, so that
        // the last digits decide the rounding (halfway cases included).
        7 => {
            let bits = r.next();
            if r.below(2) == 0 {
                let x = f64::from_bits(bits);
                if !x.is_finite() {
                    return "1".into();
                }
                format!("{:.*e}", 15 + r.below(12) as usize, x)
            } else {
                let x = f32::from_bits(bits as u32);
                if !x.is_finite() {
                    return "1".into();
                }
                // Halfway between x and the next float32, exactly (an f64 holds it).
                let next = f32::from_bits((bits as u32).wrapping_add(1));
                if !next.is_finite() {
                    return "1".into();
                }
                let mid = (x as f64 + next as f64) / 2.0;
                format!("{:.*e}", 8 + r.below(10) as usize, mid)
            }
        }
        // The special words and things near them.
        8 => {
            let w = r.pick(&[
                "inf", "infinity", "infinit", "infx", "nan", "nanx", "in", "na", "i", "n",
            ]);
            let w: String = w
                .chars()
                .map(|c| {
                    if r.below(2) == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect();
            format!("{sign}{w}")
        }
        // Odd shapes.
        _ => r
            .pick(&[
                "",
                ".",
                "e1",
                "1e",
                "1e+",
                "0x",
                "0x1",
                "0x.p1",
                "0x1p",
                "1p1",
                "0b1",
                "0o7",
                "1..2",
                "1e1.5",
                " 1",
                "1 ",
                "++1",
                "-+1",
                "0x1.8p1_0",
                "1_e1",
                "01_0",
                "_1",
                "0_x1p1",
                "0x_1p1",
                "١",
            ])
            .to_string(),
    }
}

fn int_spelling(r: &mut Rng) -> String {
    let sign = r.pick(&["", "", "-", "+"]);
    let s = match r.below(4) {
        0 => {
            let n = 1 + r.below(25) as usize;
            r.digits(n, false)
        }
        // Around the limits of every size.
        1 => {
            let bits = [8u32, 16, 32, 64][r.below(4) as usize];
            let lim = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            let v =
                [lim, lim / 2, lim / 2 + 1, lim / 2 + 2, lim.wrapping_add(1)][r.below(5) as usize];
            let s = if v == 0 {
                "18446744073709551616".into()
            } else {
                v.to_string()
            };
            format!("{}{s}", "0".repeat(r.below(3) as usize))
        }
        2 => {
            let n = 1 + r.below(4) as usize;
            r.digits(n, false)
        }
        _ => r
            .pick(&[
                "", "0x10", "1_0", "1e3", " 1", "1 ", "--1", "0", "00", "1.0", "١",
            ])
            .to_string(),
    };
    format!("{sign}{s}")
}

fn ours(func: &str, bits: u32, text: &str) -> String {
    let show = |r: Result<u64, NumError>| match r {
        Ok(v) => format!("{v:x}"),
        Err(NumError::Syntax) => "syntax".into(),
        Err(NumError::Range) => "range".into(),
    };
    match (func, bits) {
        ("float", 32) => show(parse_float32(text).map(|f| f.to_bits() as u64)),
        ("float", _) => show(parse_float64(text).map(f64::to_bits)),
        ("int", _) => show(parse_int(text, bits).map(|v| v as u64)),
        _ => show(parse_uint(text, bits)),
    }
}

#[test]
fn strconv_matches_go() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("target/strconv-go");
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("strconv");
    if let Err(e) = go_build(
        GoRelease::Go1_19,
        &root.join("tests/go/strconv"),
        &bin,
        &dir,
    ) {
        if std::env::var_os("CI").is_some() {
            panic!("Go 1.19 is required in CI: {e}");
        }
        eprintln!("strconv_matches_go: not run: {e}");
        return;
    }
    let mut r = Rng(0x5eed_57c0);
    let mut lines = Vec::new();
    for _ in 0..40_000 {
        let bits = if r.below(2) == 0 { 64 } else { 32 };
        lines.push(("float", bits, float_spelling(&mut r)));
    }
    for _ in 0..10_000 {
        let func = if r.below(2) == 0 { "int" } else { "uint" };
        let bits = [8, 16, 32, 64][r.below(4) as usize];
        lines.push((func, bits, int_spelling(&mut r)));
    }
    // The line format splits at the first two spaces only; a newline cannot be sent.
    lines.retain(|l| !l.2.contains('\n'));
    let input: String = lines
        .iter()
        .map(|(f, b, t)| format!("{f} {b} {t}\n"))
        .collect();
    let mut child = Command::new(&bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success());
    let go: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(go.len(), lines.len());
    let mut bad = Vec::new();
    let mut kinds = std::collections::BTreeMap::new();
    for ((f, b, t), g) in lines.iter().zip(&go) {
        let o = ours(f, *b, t);
        let kind = match *g {
            "syntax" | "range" => *g,
            _ => "value",
        };
        *kinds.entry((*f, kind)).or_insert(0) += 1;
        if o != *g {
            bad.push(format!("{f} {b} {t:?}: Go {g}, gomap {o}"));
        }
    }
    eprintln!("strconv_matches_go: {} spellings, {kinds:?}", lines.len());
    assert!(
        bad.is_empty(),
        "{} differ:\n{}",
        bad.len(),
        bad[..bad.len().min(30)].join("\n")
    );
    // The generator reaches every outcome.
    for k in [
        ("float", "value"),
        ("float", "syntax"),
        ("float", "range"),
        ("int", "value"),
        ("int", "syntax"),
        ("int", "range"),
        ("uint", "value"),
        ("uint", "syntax"),
        ("uint", "range"),
    ] {
        assert!(
            kinds.get(&k).copied().unwrap_or(0) > 100,
            "{k:?}: {kinds:?}"
        );
    }
}

//! `toyvm FILE.toy`: runs a program of the toy language, whose maps are gomap maps keyed
//! by Go interface values (Go's own hash and equality for `interface {}` keys, tuples
//! included), with the VM's 16-byte values as elems and a counting allocator.
//!
//! Prints the program's output on stdout and the allocator's counts on stderr; exits 1 on
//! a program error and 2 if any map memory was not given back.
//!
//! ```text
//! cargo run --example toyvm -- examples/toyvm/programs/wordfreq.toy
//! ```

mod vm;

use std::path::Path;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(file), None) = (args.next(), args.next()) else {
        eprintln!("usage: toyvm FILE.toy");
        std::process::exit(64);
    };
    let src = match std::fs::read_to_string(&file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("toyvm: {file}: {e}");
            std::process::exit(66);
        }
    };
    let dir = Path::new(&file).parent().unwrap_or(Path::new("."));
    let mut out = std::io::stdout().lock();
    let (s, result) = vm::run(&src, dir, &mut out);
    eprintln!(
        "toyvm: {} maps; allocator: {} allocs, {} frees, {} bytes live, peak {} bytes",
        s.maps, s.allocs, s.frees, s.live_bytes, s.peak_bytes
    );
    if let Err(e) = result {
        eprintln!("toyvm: {file}: {e}");
        std::process::exit(1);
    }
    if s.allocs != s.frees || s.live_bytes != 0 {
        eprintln!("toyvm: map memory leaked");
        std::process::exit(2);
    }
}

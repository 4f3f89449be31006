//! Replays fuzz inputs without libFuzzer, so that valgrind and AddressSanitizer can watch
//! the harnesses run: `corpus_replay [DIR]` runs every file of `DIR/<target>/` (default
//! `fuzz/corpus`) through the target of that name, and `corpus_replay TARGET FILE...`
//! runs the given files through one target. A failing input panics (non-zero exit) with
//! the target's message.

use std::path::{Path, PathBuf};

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    v.sort();
    v
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 0usize;
    if args.len() >= 2 && gomap_fuzz::TARGETS.contains(&args[0].as_str()) {
        for f in &args[1..] {
            let data = std::fs::read(f).unwrap_or_else(|e| panic!("{f}: {e}"));
            eprintln!("{} {f}", args[0]);
            gomap_fuzz::run_target(&args[0], &data);
            runs += 1;
        }
    } else {
        let root = PathBuf::from(
            args.first()
                .cloned()
                .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/corpus").to_string()),
        );
        for t in gomap_fuzz::TARGETS {
            let fs = files(&root.join(t));
            for f in &fs {
                let data = std::fs::read(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                gomap_fuzz::run_target(t, &data);
            }
            println!("corpus_replay: {t}: {} inputs ok", fs.len());
            runs += fs.len();
        }
    }
    println!("corpus_replay: {runs} inputs, 0 failures");
}

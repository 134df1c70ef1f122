//! Embeds the shipped calendar files so the binary answers from any folder.

use std::fmt::Write;
use std::{env, fs, path::Path};

fn main() {
    // Read at run time, not compiled in with env!(): a build script compiled in one checkout
    // (a copied target/ directory, a git worktree) must still read this checkout's calendars.
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("calendars");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("calendars/ is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut out =
        String::from("/// Shipped calendar files: (file name, TOML text).\npub static SHIPPED: &[(&str, &str)] = &[\n");
    for name in names {
        let path = dir.join(&name);
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(out, "    ({name:?}, include_str!({:?})),", path.display().to_string()).unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("shipped_calendars.rs");
    fs::write(dest, out).unwrap();
}

//! Embeds the shipped `cases/` and `schemas/` into the binary, so that an
//! installed tool works from any directory. Writes `embedded.rs` into OUT_DIR:
//! two sorted tables of (path relative to the crate root, file contents).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, ext, out)?;
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
    Ok(())
}

fn table(root: &Path, folder: &str, ext: &str, name: &str, code: &mut String) {
    let dir = root.join(folder);
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    // Optional folders (snapshots/reference) may be absent: an empty table.
    if dir.exists() {
        if let Err(e) = collect(&dir, ext, &mut files) {
            panic!("cannot read {}: {e}", dir.display());
        }
    }
    files.sort();
    let _ = writeln!(
        code,
        "/// Shipped `{folder}/*.{ext}` files: (path from the crate root, contents)."
    );
    let _ = writeln!(code, "pub static {name}: &[(&str, &str)] = &[");
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        let _ = writeln!(
            code,
            "    ({rel:?}, include_str!({:?})),",
            file.display().to_string()
        );
    }
    let _ = writeln!(code, "];");
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let mut code = String::new();
    table(&root, "cases", "toml", "CASES", &mut code);
    table(&root, "schemas", "json", "SCHEMAS", &mut code);
    table(
        &root,
        "snapshots/reference",
        "snap",
        "REFERENCE_SNAPSHOTS",
        &mut code,
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    if let Err(e) = std::fs::write(out.join("embedded.rs"), code) {
        panic!("cannot write embedded.rs: {e}");
    }
}

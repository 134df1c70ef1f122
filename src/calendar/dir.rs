//! Reads a folder (or a single file) of calendar TOML files: the one place in `calendar`
//! that touches the file system.

use std::io;
use std::path::Path;

/// (path as given, text) for `path` itself if it is a file, or for every `*.toml` in it,
/// sorted by name so that errors come out in a stable order.
pub fn read_calendar_files(path: &Path) -> io::Result<Vec<(String, String)>> {
    if path.is_file() {
        return Ok(vec![(path.display().to_string(), std::fs::read_to_string(path)?)]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path)? {
        let p = entry?.path();
        if p.extension().is_some_and(|e| e == "toml") {
            files.push((p.display().to_string(), std::fs::read_to_string(&p)?));
        }
    }
    files.sort();
    Ok(files)
}

//! Reads a folder (or a single file) of calendar TOML files: the one place in `calendar`
//! that touches the file system.

use super::FileError;
use std::io;
use std::path::Path;

/// The calendar files of a folder: their texts, and those that could not be read as text (a
/// binary file, one too large), each named with its problem so the rest are still checked.
#[derive(Debug, Default)]
pub struct CalendarFiles {
    /// (path as given, text), sorted by name so that errors come out in a stable order.
    pub texts: Vec<(String, String)>,
    pub unreadable: Vec<FileError>,
}

/// `path` itself if it is a file, or every `*.toml` in it.
pub fn read_calendar_files(path: &Path) -> io::Result<CalendarFiles> {
    let paths: Vec<std::path::PathBuf> = if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let p = entry?.path();
            if p.extension().is_some_and(|e| e == "toml") {
                found.push(p);
            }
        }
        found
    };
    let mut files = CalendarFiles::default();
    for p in paths {
        let name = p.display().to_string();
        let unreadable = |message: String| FileError { file: name.clone(), line: 1, message };
        match std::fs::metadata(&p) {
            Ok(m) if m.len() > super::file::MAX_FILE_BYTES as u64 => files.unreadable.push(unreadable(format!(
                "the file is {} bytes; a calendar file may be at most {}",
                m.len(),
                super::file::MAX_FILE_BYTES
            ))),
            _ => match std::fs::read(&p) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => files.texts.push((name, text)),
                    Err(e) => files.unreadable.push(unreadable(format!(
                        "not a text file: byte {} is not UTF-8 (a calendar file is TOML text)",
                        e.utf8_error().valid_up_to() + 1
                    ))),
                },
                Err(e) => files.unreadable.push(unreadable(format!("cannot be read: {e}"))),
            },
        }
    }
    files.texts.sort();
    files.unreadable.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(files)
}

//! The library in use while the bot runs, and how it is replaced when HR's calendars change:
//! a file with errors keeps its last good version in use (or the shipped one of the same
//! name), a new file with errors is left out, and either way the errors are told.
//!
//! Pure apart from the lock: files come in as text (read by whoever watches the folder and the
//! store), and a new [`Library`] is swapped in whole, so a command or a scheduler run that
//! took the library before the swap finishes on the one it started with.

use super::file::{parse_region_file, FileError};
use super::library::{shipped_files, Library};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

/// The calendars a running bot answers from, replaced whole when a reload succeeds.
#[derive(Debug)]
pub struct LiveLibrary {
    current: RwLock<Arc<Library>>,
    sources: Mutex<Sources>,
}

impl LiveLibrary {
    /// Starts from a library already built (the shipped calendars, or a test's).
    pub fn new(library: Library) -> LiveLibrary {
        LiveLibrary { current: RwLock::new(Arc::new(library)), sources: Mutex::new(Sources::shipped()) }
    }

    /// Starts from HR's files and the shipped ones, as [`LiveLibrary::reload`] would.
    pub fn load(files: Vec<(String, String)>) -> (LiveLibrary, Reload) {
        let live = LiveLibrary::new(Library::default());
        let reload = live.reload(files);
        (live, reload)
    }

    /// The library as it is now. Hold on to it for the length of one piece of work, so the
    /// work sees one version throughout.
    pub fn current(&self) -> Arc<Library> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Rebuilds from `files` (every file HR keeps now: the folder's and the store's, as
    /// (name, text)) over the shipped calendars, and swaps the result in.
    pub fn reload(&self, files: Vec<(String, String)>) -> Reload {
        let (library, reload) = self.sources.lock().unwrap_or_else(|e| e.into_inner()).update(files);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(library);
        reload
    }
}

/// What a reload found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reload {
    /// Every problem, file:line first.
    pub errors: Vec<FileError>,
    /// Files with errors whose last good version (or the shipped one) stays in use.
    pub kept: Vec<String>,
    /// Files with errors that have no good version, so their calendar is left out.
    pub left_out: Vec<String>,
    /// How many calendars the library now has.
    pub calendars: usize,
}

impl Reload {
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty()
    }

    /// The errors and what became of each file, one line each, for the log and for HR.
    pub fn describe(&self) -> String {
        let mut lines: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        for file in &self.kept {
            lines.push(format!("{file}: the last good version stays in use until the file is fixed"));
        }
        for file in &self.left_out {
            lines.push(format!("{file}: left out until it is fixed (there is no good version of it)"));
        }
        lines.join("\n")
    }
}

/// The last good text of every calendar file, by file name (upper case, as files replace one
/// another by name): the shipped ones to begin with.
#[derive(Debug)]
struct Sources {
    shipped: BTreeMap<String, (String, String)>,
    good: BTreeMap<String, (String, String)>,
}

fn key(file: &str) -> String {
    file.rsplit(['/', '\\']).next().unwrap_or(file).to_ascii_uppercase()
}

impl Sources {
    fn shipped() -> Sources {
        let shipped: BTreeMap<String, (String, String)> =
            shipped_files().map(|(file, text)| (key(&file), (file, text))).collect();
        Sources { good: shipped.clone(), shipped }
    }

    fn update(&mut self, files: Vec<(String, String)>) -> (Library, Reload) {
        let mut reload = Reload::default();
        // A file that is gone gives its name back to the shipped calendar, if there is one.
        let mut good = self.shipped.clone();
        let mut errors = Vec::new();
        for (file, text) in files {
            let name = key(&file);
            match parse_region_file(&file, &text) {
                Ok(_) => {
                    good.insert(name, (file, text));
                }
                Err(mut e) => {
                    errors.append(&mut e);
                    match self.good.get(&name) {
                        Some(previous) => {
                            good.insert(name, previous.clone());
                            reload.kept.push(file);
                        }
                        None => {
                            good.remove(&name);
                            reload.left_out.push(file);
                        }
                    }
                }
            }
        }
        // Every file here parsed; what is left to fail is how they fit together (a parent
        // that is missing, an id a subdivision removes that its parent lacks).
        let (library, mut resolving) = Library::lenient(good.values().cloned());
        errors.append(&mut resolving);
        self.good = good;
        reload.errors = errors;
        reload.calendars = library.regions().count();
        (library, reload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::RegionCode;
    use chrono::NaiveDate;

    const ACME: &str = "[region]\ncode = \"ACME\"\nname = \"Acme\"\nparent = \"IN\"\n\n[[event]]\nname = \"Founders Day\"\nkind = \"public\"\nrule = \"03-01\"\n";

    fn code(text: &str) -> RegionCode {
        text.parse().unwrap()
    }

    #[test]
    fn a_good_file_is_added_to_the_shipped_calendars() {
        let (live, reload) = LiveLibrary::load(vec![("hr/ACME.toml".into(), ACME.into())]);
        assert!(reload.is_clean(), "{}", reload.describe());
        let acme = live.current().get(&code("ACME")).unwrap();
        let (days, _) = acme
            .occurrences(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2027, 3, 31).unwrap());
        let names: Vec<&str> = days.iter().map(|o| o.name.as_str()).collect();
        assert!(names.contains(&"Founders Day") && names.contains(&"Republic Day"), "{names:?}");
    }

    #[test]
    fn a_broken_edit_keeps_the_last_good_version_and_says_where() {
        let (live, _) = LiveLibrary::load(vec![("hr/ACME.toml".into(), ACME.into())]);
        let broken = ACME.replace("rule = \"03-01\"", "rule = \"03-41\"");
        let reload = live.reload(vec![("hr/ACME.toml".into(), broken)]);
        assert_eq!(reload.errors.len(), 1);
        assert_eq!(reload.errors[0].line, 9, "{}", reload.describe());
        assert_eq!(reload.kept, vec!["hr/ACME.toml".to_string()]);
        assert!(live.current().get(&code("ACME")).is_some(), "the last good ACME stays");
    }

    #[test]
    fn a_broken_override_of_a_shipped_calendar_keeps_the_shipped_one() {
        let reload = LiveLibrary::load(vec![("hr/IN.toml".into(), "[region]\ncode = \"IN\"\n".into())]).1;
        assert!(!reload.is_clean());
        assert_eq!(reload.kept, vec!["hr/IN.toml".to_string()]);
    }

    #[test]
    fn a_new_broken_file_is_left_out_and_the_rest_still_loads() {
        let (live, reload) = LiveLibrary::load(vec![("hr/ACME.toml".into(), "not toml".into())]);
        assert_eq!(reload.left_out, vec!["hr/ACME.toml".to_string()]);
        assert!(live.current().get(&code("ACME")).is_none());
        assert!(live.current().get(&code("IN")).is_some());
    }

    #[test]
    fn a_removed_file_takes_its_calendar_away() {
        let (live, _) = LiveLibrary::load(vec![("hr/ACME.toml".into(), ACME.into())]);
        live.reload(Vec::new());
        assert!(live.current().get(&code("ACME")).is_none());
    }
}

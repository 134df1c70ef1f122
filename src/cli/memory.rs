//! Keeping a running bot's resident memory small (issue #16: idle under 25 MB with its
//! platforms connected). What an idle bot holds beyond its data is mostly the allocator's:
//! glibc gives each thread that allocates an arena of its own (up to eight per core), and
//! keeps the pages that start-up parsing (calendars, templates, the question bank) freed
//! rather than giving them back. So `meridian run` limits the arenas, gives free pages back
//! once started and then every so often, and runs few worker threads: its work waits on the
//! database and the platforms, not on CPU. Most of all, start-up and work run far more of the
//! program's code than an idle bot does, and those pages stay mapped: they are let go with the
//! free memory. Figures in the README (Operations).

use std::time::Duration;

/// At most this many tokio worker threads, whatever the machine's cores.
const MAX_WORKERS: usize = 4;

/// How often free memory is given back to the system while running.
pub const GIVE_BACK_EVERY: Duration = Duration::from_secs(30);

/// glibc's arenas for the whole process: two serve a few busy threads without contention
/// worth measuring (the acknowledgement benchmark is unchanged).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: libc::c_int = 2;

/// The worker threads for the bot's runtime.
pub fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, MAX_WORKERS)
}

/// Limits the allocator's arenas; call before any thread starts.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
    }
}

/// Gives the pages the allocator holds free back to the system.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; glibc locks each arena while it does.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Lets go of the pages of the program's own code and read-only data that the process has
/// mapped. Start-up (parsing the calendars, migrating the database, connecting) and any burst
/// of work touch far more code than an idle bot runs, and the kernel maps it in 64 KiB runs
/// around each page used: without this, some 20 MiB of an idle bot's resident memory is code
/// it ran once. The pages stay in the page cache (clean copies of the binary, shared, the
/// kernel's to reclaim); what runs again is mapped again on its first use, a minor fault
/// (a few hundred of them, well under a millisecond, for the next piece of work). Only
/// mappings that were never written are let go: a private page the process changed (relocated
/// data) would be lost. Returns the resident bytes let go.
pub fn give_back_code() -> usize {
    #[cfg(target_os = "linux")]
    {
        let (Ok(exe), Ok(smaps)) = (std::env::current_exe(), std::fs::read_to_string("/proc/self/smaps")) else {
            return 0;
        };
        let mut released = 0;
        for mapping in untouched_mappings(&smaps, &exe.to_string_lossy()) {
            // SAFETY: the range is a whole mapping of the executable, private, not writable and
            // without a page the process changed (no anonymous pages), so dropping its pages
            // loses nothing: the next access reads the same bytes from the file again.
            let done = unsafe { libc::madvise(mapping.start as *mut libc::c_void, mapping.len, libc::MADV_DONTNEED) };
            if done == 0 {
                released += mapping.resident;
            }
        }
        released
    }
    #[cfg(not(target_os = "linux"))]
    0
}

/// A mapping of the executable that may be let go, from `/proc/self/smaps`.
#[derive(Debug, PartialEq, Eq)]
struct Mapping {
    start: usize,
    len: usize,
    resident: usize,
}

/// The executable's private mappings that are not writable and hold no page of the process's
/// own (`Anonymous: 0 kB`), with their resident bytes.
fn untouched_mappings(smaps: &str, exe: &str) -> Vec<Mapping> {
    let mut found = Vec::new();
    let mut current: Option<(Mapping, bool)> = None;
    let mut finish = |current: &mut Option<(Mapping, bool)>| {
        if let Some((mapping, true)) = current.take() {
            found.push(mapping);
        }
    };
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let first = fields.next().unwrap_or_default();
        if let Some((from, to)) = first.split_once('-').filter(|(a, _)| a.chars().all(|c| c.is_ascii_hexdigit())) {
            finish(&mut current);
            let perms = fields.next().unwrap_or_default();
            let path = fields.nth(3).unwrap_or_default();
            let (Ok(from), Ok(to)) = (usize::from_str_radix(from, 16), usize::from_str_radix(to, 16)) else { continue };
            let eligible = path == exe && perms.starts_with('r') && !perms.contains('w') && perms.ends_with('p');
            current = Some((Mapping { start: from, len: to - from, resident: 0 }, eligible));
        } else if let Some((mapping, eligible)) = current.as_mut() {
            let mut kib = || fields.next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
            match first {
                "Rss:" => mapping.resident = kib() * 1024,
                "Anonymous:" if kib() > 0 => *eligible = false,
                _ => {}
            }
        }
    }
    finish(&mut current);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_executables_unwritten_private_mappings_are_let_go() {
        let smaps = "\
55d000000000-55d000ae6000 r--p 00000000 fd:00 42 /opt/meridian
Rss:                5336 kB
Anonymous:             0 kB
55d000ae6000-55d0024fc000 r-xp 00ae5000 fd:00 42 /opt/meridian
Size:              27736 kB
Rss:               19544 kB
Anonymous:             0 kB
55d0024fc000-55d0026fc000 r--p 024fa000 fd:00 42 /opt/meridian
Rss:                2032 kB
Anonymous:          2032 kB
55d0026fc000-55d002706000 rw-p 026fa000 fd:00 42 /opt/meridian
Rss:                  40 kB
Anonymous:            40 kB
7f0000000000-7f0000200000 r-xp 00000000 fd:00 7 /usr/lib/x86_64-linux-gnu/libc.so.6
Rss:                1060 kB
Anonymous:             0 kB
7f0000400000-7f0000401000 r--s 00000000 fd:00 42 /opt/meridian
Rss:                   4 kB
Anonymous:             0 kB
";
        let found = untouched_mappings(smaps, "/opt/meridian");
        assert_eq!(
            found,
            [
                Mapping { start: 0x55d0_0000_0000, len: 0xae6000, resident: 5336 * 1024 },
                Mapping { start: 0x55d0_00ae_6000, len: 0x1a1_6000, resident: 19544 * 1024 },
            ],
            "the relocated (changed) read-only data, the data, other files and shared mappings stay"
        );
    }

    #[test]
    fn code_let_go_runs_again() {
        let first = give_back_code();
        assert!(first > 0, "a test binary has code pages in memory");
        // This very code runs after its pages were let go.
        assert!((1..=super::MAX_WORKERS).contains(&super::workers()));
    }

    #[test]
    fn a_few_workers_at_least_one() {
        assert!((1..=super::MAX_WORKERS).contains(&super::workers()));
        super::give_back();
    }
}

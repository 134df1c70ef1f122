//! Keeping a running bot's resident memory small (issue #16: idle under 25 MB with its
//! platforms connected). What an idle bot holds beyond its data is mostly the allocator's:
//! glibc gives each thread that allocates an arena of its own (up to eight per core), and
//! keeps the pages that start-up parsing (calendars, templates, the question bank) freed
//! rather than giving them back. So `meridian run` limits the arenas, gives free pages back
//! once started and then every so often, and runs few worker threads: its work waits on the
//! database and the platforms, not on CPU. Figures in the README (Operations).

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

#[cfg(test)]
mod tests {
    #[test]
    fn a_few_workers_at_least_one() {
        assert!((1..=super::MAX_WORKERS).contains(&super::workers()));
        super::give_back();
    }
}

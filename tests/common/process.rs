//! The real `meridian run` binary as a test drives it: its own folder with a `meridian.toml`
//! and an SQLite file, the environment the test gives (tokens), HTTP on a free loopback port,
//! standard error collected, stopped with SIGTERM (or killed when the test ends early).

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct RunningBot {
    child: Child,
    /// Where its HTTP server listens.
    pub http: SocketAddr,
    stderr: Arc<Mutex<String>>,
    /// Its folder: `meridian.toml` and `meridian.db`.
    pub dir: tempfile::TempDir,
}

impl RunningBot {
    /// Starts `meridian run` with `config` (TOML; `[http] listen` is set to a free port unless
    /// given), `env` (tokens; nothing else leaks in from the test's environment but PATH) and
    /// extra `args` (such as `--clock`). Waits until its HTTP server is up.
    pub fn start(config: &str, env: &[(&str, &str)], args: &[&str]) -> RunningBot {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, config, env, args)
    }

    /// [`RunningBot::start`] in a folder of the test's (to restart on the same database).
    pub fn start_in(dir: tempfile::TempDir, config: &str, env: &[(&str, &str)], args: &[&str]) -> RunningBot {
        let database = format!("sqlite://{}", dir.path().join("meridian.db").display());
        Self::spawn(dir, config, env, args, &database)
    }

    /// [`RunningBot::start`] on the database at `database` (PostgreSQL shared by instances).
    pub fn start_on(database: &str, config: &str, env: &[(&str, &str)], args: &[&str]) -> RunningBot {
        Self::spawn(tempfile::tempdir().unwrap(), config, env, args, database)
    }

    fn spawn(dir: tempfile::TempDir, config: &str, env: &[(&str, &str)], args: &[&str], database: &str) -> RunningBot {
        let mut config = config.to_string();
        if !config.contains("[http]") {
            config.push_str("\n[http]\nlisten = \"127.0.0.1:0\"\n");
        }
        let path = dir.path().join("meridian.toml");
        std::fs::write(&path, config).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_meridian"));
        command
            .arg("run")
            .arg("--config")
            .arg(&path)
            .arg("--database")
            .arg(database)
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("MERIDIAN_LOG", "info,meridian=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("meridian starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let pipe = child.stderr.take().unwrap();
        let collected = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                // A plain line, or a JSON one (MERIDIAN_LOG_FORMAT=json) whose message says it.
                if let Some((_, address)) = line.split_once("meridian: http listening on ") {
                    let address = address.split('"').next().unwrap_or_default();
                    let _ = tx.send(address.trim().parse::<SocketAddr>().ok());
                }
                let mut text = collected.lock().unwrap();
                text.push_str(&line);
                text.push('\n');
            }
        });
        let http = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Some(address)) => address,
            _ => {
                let _ = child.kill();
                panic!("meridian did not start:\n{}", stderr.lock().unwrap());
            }
        };
        RunningBot { child, http, stderr, dir }
    }

    /// Its process id (to read its memory from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Everything it wrote to standard error so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits (up to `timeout`) until its standard error contains `needle`.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.stderr();
            if text.contains(needle) {
                return text;
            }
            assert!(Instant::now() < deadline, "'{needle}' never appeared in meridian's log:\n{text}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops it as a service manager would (SIGTERM) and returns how it exited; kills it
    /// after 15 seconds.
    pub fn stop(mut self) -> (ExitStatus, String) {
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break self.child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        (status, self.stderr())
    }
}

impl RunningBot {
    /// [`RunningBot::stop`], keeping its folder (and database) for the test to read.
    pub fn stop_keeping_dir(mut self) -> (ExitStatus, String, tempfile::TempDir) {
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().unwrap());
        let (status, log) = self.stop();
        (status, log, dir)
    }
}

impl Drop for RunningBot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

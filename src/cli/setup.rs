//! Where a command finds its configuration and database: `--config` and `--database`, read
//! the same way by every command that opens the store.

use crate::config::Config;
use std::path::PathBuf;

#[derive(clap::Args, Clone, Debug, Default)]
pub struct Setup {
    /// Database URL (overrides meridian.toml and DATABASE_URL).
    #[arg(long)]
    pub database: Option<String>,
    /// Configuration file (default: meridian.toml if present).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

impl Setup {
    /// The configuration file (or the defaults), the environment, then `--database`.
    pub fn load(&self) -> anyhow::Result<Config> {
        let mut config = Config::load_from_process_env(self.config.as_deref())?;
        if let Some(url) = &self.database {
            config.database =
                crate::config::parse_database_url(url).map_err(|reason| anyhow::anyhow!("--database: {reason}"))?;
        }
        Ok(config)
    }
}

/// What both CSV importers take: the file, whether bad rows stop the import, and the setup.
#[derive(clap::Args)]
pub struct CsvImport {
    /// The CSV file.
    pub file: PathBuf,
    /// Write the good rows and report the bad ones (by default a bad row writes nothing).
    #[arg(long)]
    pub skip_bad_rows: bool,
    #[command(flatten)]
    pub setup: Setup,
}

impl CsvImport {
    /// The file's text: at most [`crate::roster::MAX_CSV_BYTES`], and UTF-8.
    pub fn read(&self) -> anyhow::Result<String> {
        use anyhow::Context;
        let file = &self.file;
        let bytes = std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?.len();
        if bytes > crate::roster::MAX_CSV_BYTES as u64 {
            anyhow::bail!("{}: the file is {bytes} bytes; at most {}", file.display(), crate::roster::MAX_CSV_BYTES);
        }
        let text = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        String::from_utf8(text).map_err(|_| anyhow::anyhow!("{}: not a text file (UTF-8)", file.display()))
    }
}

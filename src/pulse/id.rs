//! The number people use to refer to a pulse: `/pulse results 12`.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// A pulse's number, assigned by the store (its row id) and the one type for it everywhere.
/// Shown as `#12`; typed as `12` or `#12`. Keys and button values use the bare number (`.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PulseId(pub i64);

/// Text that is not a pulse number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("`{given}` is not a pulse number; expected a number like 12 or #12")]
pub struct InvalidPulseId {
    /// What was written.
    pub given: String,
}

impl FromStr for PulseId {
    type Err = InvalidPulseId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let digits = s.trim().strip_prefix('#').unwrap_or(s.trim());
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidPulseId { given: s.to_string() });
        }
        digits.parse().map(PulseId).map_err(|_| InvalidPulseId { given: s.to_string() })
    }
}

impl fmt::Display for PulseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pulse_number_may_be_written_with_or_without_a_hash() {
        assert_eq!("12".parse(), Ok(PulseId(12)));
        assert_eq!("#12".parse(), Ok(PulseId(12)));
        assert_eq!(PulseId(12).to_string(), "#12");
        assert!("twelve".parse::<PulseId>().is_err());
        assert!("-1".parse::<PulseId>().is_err());
        assert!("#".parse::<PulseId>().is_err());
    }
}

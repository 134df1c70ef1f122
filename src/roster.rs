//! Onboarding a whole team from a CSV file (`meridian members import people.csv`,
//! `/calendar members LINK`): each row sets a member's region, company calendar, time zone
//! and working hours; and the team's dates (`meridian milestones import`). Every cell is checked before anything is written; a bad one is
//! reported as `people.csv:4:3 (region): ...` (line, column), and the import writes all rows
//! or none. Pure: text and the calendar library in, rows or errors out.
//!
//! The header names the columns, in any order, case-insensitive: `user` (the platform's user
//! id, required), `name`, `region` (`IN`, `IN-MH`, or a name), `subdivision`, `calendar`
//! (a company calendar such as `ACME-PUNE`), `tz` (or `timezone`), `hours` (`09:00-18:00`).
//! An empty cell leaves that setting as it is.

use crate::calendar::Library;
use crate::store::ImportedMember;
use crate::team::WorkingHours;
use std::fmt;

/// The most rows one file may have: a 20,000-agent operation imports by site.
pub const MAX_ROWS: usize = 20_000;
/// The largest CSV read.
pub const MAX_CSV_BYTES: usize = 4 * 1024 * 1024;

const COLUMNS: &[&str] = &["user", "name", "region", "subdivision", "calendar", "tz", "timezone", "hours"];

/// A problem in a members CSV, located by line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RosterError {
    pub file: String,
    pub line: usize,
    /// 1-based; 0 when the problem is the whole row or file.
    pub column: usize,
    pub column_name: String,
    pub message: String,
}

impl fmt::Display for RosterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column == 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}:{}:{} ({}): {}", self.file, self.line, self.column, self.column_name, self.message)
        }
    }
}

impl RosterError {
    fn at(source: &str, line: usize, column: usize, column_name: &str, message: String) -> RosterError {
        RosterError { file: source.to_string(), line, column, column_name: column_name.to_string(), message }
    }
}

/// Opens a CSV file within the size limit, without its byte-order mark: its reader, past the
/// header, and the header's column names lower-cased. What stops it is named on line 1.
fn open_csv<'a>(source: &str, text: &'a str) -> Result<(csv::Reader<&'a [u8]>, Vec<String>), RosterError> {
    if text.len() > MAX_CSV_BYTES {
        return Err(RosterError::at(
            source,
            1,
            0,
            "",
            format!("the file is {} bytes; at most {MAX_CSV_BYTES}", text.len()),
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let header = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.to_ascii_lowercase()).collect(),
        Err(e) => return Err(RosterError::at(source, 1, 0, "", format!("the header cannot be read: {e}"))),
    };
    Ok((reader, header))
}

/// Reads a members CSV: the rows that are right, and an error for each cell that is not.
pub fn read_roster(source: &str, text: &str, library: &Library) -> (Vec<ImportedMember>, Vec<RosterError>) {
    let error = |line: usize, column: usize, column_name: &str, message: String| {
        RosterError::at(source, line, column, column_name, message)
    };
    let (mut reader, header) = match open_csv(source, text) {
        Ok(opened) => opened,
        Err(e) => return (Vec::new(), vec![e]),
    };
    let mut errors = Vec::new();
    for (i, name) in header.iter().enumerate() {
        if !COLUMNS.contains(&name.as_str()) {
            errors.push(error(1, i + 1, name, format!("unknown column; expected {}", COLUMNS.join(", "))));
        }
    }
    let Some(user_col) = header.iter().position(|c| c == "user") else {
        errors.push(error(1, 0, "", "no `user` column (the platform's user id, such as U024BE7LH)".into()));
        return (Vec::new(), errors);
    };
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let column = |name: &str| header.iter().position(|c| c == name);
    let mut rows = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(error(line, 0, "", format!("the row cannot be read: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if rows.len() + errors.len() >= MAX_ROWS {
            errors.push(error(line, 0, "", format!("more than {MAX_ROWS} rows; split the file")));
            break;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() > header.len() {
            errors.push(error(
                line,
                header.len() + 1,
                "",
                format!("{} cells; the header has {}", record.len(), header.len()),
            ));
            continue;
        }
        let cell = |name: &str| column(name).and_then(|i| record.get(i)).filter(|v| !v.is_empty());
        let at = |name: &str| column(name).map_or(0, |i| i + 1);
        let before = errors.len();
        let mut row = ImportedMember::default();
        match cell("user") {
            Some(user) if user.len() <= 64 && !user.chars().any(|c| c.is_control() || c.is_whitespace()) => {
                if let Some(first) = seen.insert(user.to_string(), line) {
                    errors.push(error(
                        line,
                        user_col + 1,
                        "user",
                        format!("'{user}' is listed twice (first on line {first})"),
                    ));
                }
                row.platform_user_id = user.to_string();
            }
            Some(user) => errors.push(error(line, user_col + 1, "user", format!("'{user}' is not a user id"))),
            None => errors.push(error(line, user_col + 1, "user", "empty; every row needs the user's id".into())),
        }
        if let Some(name) = cell("name") {
            row.display_name = Some(crate::bot::clean_name(name));
        }
        let mut region_cell = cell("region");
        if let Some(sub) = cell("subdivision") {
            region_cell = Some(sub);
        }
        if let Some(given) = region_cell {
            let col = if cell("subdivision").is_some() { "subdivision" } else { "region" };
            match library.find(given) {
                Ok(found) if found.is_company() => errors.push(error(
                    line,
                    at(col),
                    col,
                    format!("{} is a company calendar; put it in the `calendar` column", found.code),
                )),
                Ok(found) => {
                    let code = found.code.clone();
                    row.region = Some(code.nation().unwrap_or_else(|| code.clone()).to_string());
                    row.subdivision = code.nation().map(|_| code.to_string());
                }
                Err(e) => errors.push(error(line, at(col), col, e.to_string())),
            }
        }
        if let Some(given) = cell("calendar") {
            match library.find(given) {
                Ok(found) if found.is_company() => row.calendar = Some(found.code.to_string()),
                Ok(found) => errors.push(error(
                    line,
                    at("calendar"),
                    "calendar",
                    format!("{} is a region; put it in the `region` column", found.code),
                )),
                Err(e) => errors.push(error(line, at("calendar"), "calendar", e.to_string())),
            }
        }
        for name in ["tz", "timezone"] {
            if let Some(given) = cell(name) {
                match crate::team::parse_timezone(given) {
                    Ok(tz) => row.timezone = Some(tz),
                    Err(e) => errors.push(error(line, at(name), name, e.to_string())),
                }
            }
        }
        if let Some(given) = cell("hours") {
            match given.parse::<WorkingHours>() {
                Ok(h) => row.working_hours = Some(h),
                Err(e) => errors.push(error(line, at("hours"), "hours", e.to_string())),
            }
        }
        if errors.len() == before {
            rows.push(row);
        }
    }
    (rows, errors)
}

/// One row of a milestones CSV (`name,date,yearly,channel`): a team date for a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneRow {
    pub line: usize,
    pub name: String,
    pub date: chrono::NaiveDate,
    pub yearly: bool,
    /// The channel's name, without `#`; the caller finds it.
    pub channel: String,
}

/// Reads a milestones CSV: columns `name`, `date` (YYYY-MM-DD), `yearly` (yes/no, optional),
/// `channel` (its name); each bad cell reported by line and column.
pub fn read_milestones(source: &str, text: &str) -> (Vec<MilestoneRow>, Vec<RosterError>) {
    let error = |line: usize, column: usize, column_name: &str, message: String| {
        RosterError::at(source, line, column, column_name, message)
    };
    let (mut reader, header) = match open_csv(source, text) {
        Ok(opened) => opened,
        Err(e) => return (Vec::new(), vec![e]),
    };
    const NEEDED: [&str; 3] = ["name", "date", "channel"];
    let mut errors: Vec<RosterError> = header
        .iter()
        .enumerate()
        .filter(|(_, c)| !NEEDED.contains(&c.as_str()) && c.as_str() != "yearly")
        .map(|(i, c)| error(1, i + 1, c, "unknown column; expected name, date, yearly, channel".into()))
        .collect();
    for needed in NEEDED {
        if !header.iter().any(|c| c == needed) {
            errors.push(error(1, 0, "", format!("no `{needed}` column")));
        }
    }
    if !errors.is_empty() {
        return (Vec::new(), errors);
    }
    let column = |name: &str| header.iter().position(|c| c == name);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                errors.push(error(line, 0, "", format!("the row cannot be read: {e}")));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        if rows.len() + errors.len() >= MAX_ROWS {
            errors.push(error(line, 0, "", format!("more than {MAX_ROWS} rows; split the file")));
            break;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        let cell = |name: &str| column(name).and_then(|i| record.get(i)).unwrap_or_default();
        let at = |name: &str| column(name).map_or(0, |i| i + 1);
        let before = errors.len();
        let name = cell("name").to_string();
        if name.is_empty() || name.chars().count() > 120 {
            errors.push(error(line, at("name"), "name", "the name must be 1 to 120 characters".into()));
        }
        let date = crate::chat::calendar_date(cell("date"));
        if date.is_none() {
            let message = format!("'{}' is not a date; expected YYYY-MM-DD from 1900 to 2200", cell("date"));
            errors.push(error(line, at("date"), "date", message));
        }
        let yearly = match cell("yearly").to_ascii_lowercase().as_str() {
            "" | "no" | "false" | "0" => false,
            "yes" | "true" | "1" | "yearly" => true,
            other => {
                errors.push(error(line, at("yearly"), "yearly", format!("'{other}' is not yes or no")));
                false
            }
        };
        let channel = cell("channel").trim_start_matches('#').to_string();
        if channel.is_empty() {
            errors.push(error(line, at("channel"), "channel", "empty; name the channel the date is for".into()));
        }
        if let (true, Some(date)) = (errors.len() == before, date) {
            rows.push(MilestoneRow { line, name, date, yearly, channel });
        }
    }
    (rows, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_read_by_header_and_bad_cells_are_located() {
        let library = Library::shipped().unwrap();
        let text = "user,name,region,tz,hours\nU1,Priya,IN-MH,Asia/Kolkata,13:30-22:30\nU2,Jose,Philippines,,21:00-06:00\nU3,Bad,XX,Mars/Base,25:00-26:00\n";
        let (rows, errors) = read_roster("people.csv", text, &library);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].region.as_deref(), Some("IN"));
        assert_eq!(rows[0].subdivision.as_deref(), Some("IN-MH"));
        assert_eq!(rows[1].region.as_deref(), Some("PH"));
        let located: Vec<String> = errors.iter().map(|e| format!("{}:{}", e.line, e.column)).collect();
        assert_eq!(located, ["4:3", "4:4", "4:5"], "{errors:?}");
        assert!(errors[0].to_string().starts_with("people.csv:4:3 (region): unknown region 'XX'"), "{}", errors[0]);
    }

    #[test]
    fn milestone_rows_name_their_channel_and_bad_cells_are_located() {
        let text = "name,date,yearly,channel\nPune go-live,2027-02-01,no,#support\nFounding,2019-06-01,yes,ops\nBad,2027-02-30,maybe,\n";
        let (rows, errors) = read_milestones("m.csv", text);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[1].yearly, rows[1].channel.as_str()), (true, "ops"));
        let located: Vec<String> = errors.iter().map(|e| format!("{}:{}", e.line, e.column)).collect();
        assert_eq!(located, ["4:2", "4:3", "4:4"], "{errors:?}");
    }

    #[test]
    fn an_unknown_column_or_a_missing_user_is_refused() {
        let library = Library::shipped().unwrap();
        let (_, errors) = read_roster("p.csv", "user,regoin\nU1,IN\n", &library);
        assert_eq!(errors[0].to_string(), "p.csv:1:2 (regoin): unknown column; expected user, name, region, subdivision, calendar, tz, timezone, hours");
        let (_, errors) = read_roster("p.csv", "user,region\n,IN\nU1,IN\nU1,PH\n", &library);
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 4]);
    }
}

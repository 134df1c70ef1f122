//! Calendar files as HR writes them: what a mistake looks like to the person who made it,
//! and the `meridian calendars check` / `meridian holidays` commands end to end.

mod common;

use meridian::calendar::{parse_region_file, CalendarError, Library};

fn errors_of(file: &str, text: &str) -> Vec<String> {
    parse_region_file(file, text).expect_err("the file should be rejected").iter().map(ToString::to_string).collect()
}

const GOOD_HEADER: &str = "[region]\ncode = \"XA\"\nname = \"Example\"\ntimezone = \"Asia/Kolkata\"\n";

#[test]
fn an_unknown_kind_is_reported_with_file_line_and_the_valid_kinds() {
    let text = format!("{GOOD_HEADER}\n[[event]]\nname = \"Founders' Day\"\nkind = \"holiday\"\nrule = \"03-01\"\n");
    assert_eq!(
        errors_of("calendars/XA.toml", &text),
        vec!["calendars/XA.toml:8: 'holiday' is not a kind; expected one of public, bank, optional, observance, festival, milestone"]
    );
}

#[test]
fn a_bad_rule_names_the_line_and_the_forms_expected() {
    let text =
        format!("{GOOD_HEADER}\n[[event]]\nname = \"Harvest\"\nkind = \"public\"\nrule = \"2nd Mon in Smarch\"\n");
    assert_eq!(errors_of("XA.toml", &text), vec!["XA.toml:9: rule: 'Smarch' is not a month; expected Jan..Dec"]);
}

#[test]
fn a_bad_date_in_a_table_points_at_its_own_line() {
    let text = format!("{GOOD_HEADER}\n[[event]]\nname = \"Diwali\"\nkind = \"festival\"\ndates = [\n  \"2026-11-08\",\n  \"2027-13-29\",\n]\n");
    assert_eq!(
        errors_of("XA.toml", &text),
        vec!["XA.toml:11: '2027-13-29' is not a date; expected YYYY-MM-DD from 1900 to 2200"]
    );
    // chrono reads this one; the calendar must not (date sums at the end of time panic).
    let far = format!("{GOOD_HEADER}\n[[event]]\nname = \"Far\"\nkind = \"public\"\ndates = [\"+262142-01-01\"]\n");
    assert_eq!(
        errors_of("XA.toml", &far),
        vec!["XA.toml:9: '+262142-01-01' is not a date; expected YYYY-MM-DD from 1900 to 2200"]
    );
}

#[test]
fn broken_toml_syntax_gives_the_line() {
    let text = format!("{GOOD_HEADER}\n[[event]]\nname = \"Unclosed\nkind = \"public\"\n");
    let errors = errors_of("XA.toml", &text);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].starts_with("XA.toml:7: "), "{errors:?}");
}

#[test]
fn a_misspelt_key_is_an_error_not_silently_ignored() {
    let text =
        format!("{GOOD_HEADER}\n[[event]]\nname = \"Day\"\nkind = \"public\"\nrule = \"03-01\"\ngreting = \"Hi\"\n");
    let errors = errors_of("XA.toml", &text);
    assert!(errors[0].starts_with("XA.toml:10: unknown field `greting`"), "{errors:?}");
}

#[test]
fn every_problem_in_a_file_is_reported_at_once() {
    let text = "[region]\ncode = \"XA\"\nname = \"Example\"\ntimezone = \"Mars/Olympus\"\n\n[[event]]\nname = \"A\"\nkind = \"public\"\n\n[[event]]\nname = \"B\"\nkind = \"public\"\nrule = \"01-01\"\ndates = [\"2026-01-01\"]\n";
    assert_eq!(
        errors_of("XA.toml", text),
        vec![
            "XA.toml:4: 'Mars/Olympus' is not an IANA time zone such as Asia/Kolkata",
            "XA.toml:6: event 'A' needs a rule (such as \"01-26\") or a list of dates",
            "XA.toml:13: event 'B' has both rule and dates; give one",
        ]
    );
}

#[test]
fn a_file_whose_code_does_not_match_its_name_is_rejected() {
    assert_eq!(
        errors_of("calendars/XB.toml", GOOD_HEADER),
        vec!["calendars/XB.toml:2: region code 'XA' does not match the file name 'XB.toml'"]
    );
}

#[test]
fn a_subdivision_cannot_remove_what_its_nation_does_not_have() {
    let nation = format!(
        "{GOOD_HEADER}\n[[event]]\nid = \"founders\"\nname = \"Founders' Day\"\nkind = \"public\"\nrule = \"03-01\"\n"
    );
    let sub = "[region]\ncode = \"XA-N\"\nparent = \"XA\"\nname = \"North\"\nremove = [\"founder\"]\n";
    let err =
        Library::from_files([("XA.toml".to_string(), nation), ("XA-N.toml".to_string(), sub.to_string())]).unwrap_err();
    assert_eq!(
        err,
        CalendarError::Files(vec![meridian::calendar::FileError {
            file: "XA-N.toml".into(),
            line: 5,
            message: "remove: 'XA' has no event with id 'founder'".into(),
        }])
    );
}

#[test]
fn a_subdivision_adds_replaces_and_removes_national_events() {
    let nation = format!(
        "{GOOD_HEADER}\n[[event]]\nid = \"founders\"\nname = \"Founders' Day\"\nkind = \"public\"\nrule = \"03-01\"\n\n[[event]]\nid = \"harvest\"\nname = \"Harvest\"\nkind = \"public\"\nrule = \"1st Mon in Oct\"\n\n[[event]]\nid = \"labour\"\nname = \"Labour Day\"\nkind = \"public\"\nrule = \"05-01\"\n"
    );
    let sub = "[region]\ncode = \"XA-N\"\nparent = \"XA\"\nname = \"North\"\nremove = [\"labour\"]\n\n[[event]]\nid = \"harvest\"\nname = \"Northern Harvest\"\nkind = \"public\"\nrule = \"2nd Mon in Oct\"\n\n[[event]]\nname = \"North Day\"\nkind = \"public\"\nrule = \"06-01\"\n";
    let library =
        Library::from_files([("XA.toml".to_string(), nation), ("XA-N.toml".to_string(), sub.to_string())]).unwrap();
    let north = library.find("xa-n").unwrap();
    let from = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let (days, _) = north.occurrences(from, chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
    let got: Vec<(String, String, String)> =
        days.iter().map(|o| (o.date.to_string(), o.name.clone(), o.region.to_string())).collect();
    assert_eq!(
        got,
        vec![
            ("2026-03-01".into(), "Founders' Day".into(), "XA".into()),
            ("2026-06-01".into(), "North Day".into(), "XA-N".into()),
            ("2026-10-12".into(), "Northern Harvest".into(), "XA-N".into()),
        ]
    );
    assert_eq!(north.timezone.name(), "Asia/Kolkata", "a subdivision inherits its nation's zone");
}

fn meridian(args: &[&str]) -> std::process::Output {
    common::meridian().args(args).output().unwrap()
}

#[test]
fn calendars_check_passes_on_the_shipped_folder() {
    let out = meridian(&["calendars", "check", "calendars"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("ok: "));
}

#[test]
fn calendars_check_fails_with_file_and_line_on_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("XA.toml");
    std::fs::write(&path, format!("{GOOD_HEADER}\n[[event]]\nname = \"Day\"\nkind = \"public\"\nrule = \"31-31\"\n"))
        .unwrap();
    let out = meridian(&["calendars", "check", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{}:9: rule: '31-31' is not a month-day", path.display())), "{stderr}");
}

#[test]
fn holidays_json_lists_dates_names_regions_kinds_and_observed_flags() {
    let out = meridian(&["holidays", "--region", "US", "--year", "2022", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let days: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let christmas_observed = days
        .iter()
        .find(|d| d["date"] == "2022-12-26" && d["observed"] == true)
        .expect("Christmas 2022 (a Sunday) is observed on Monday 26 December");
    assert_eq!(christmas_observed["region"], "US");
    assert_eq!(christmas_observed["kind"], "public");
    assert!(days.iter().all(|d| d["date"].as_str().unwrap().starts_with("2022-") && d["name"].is_string()));
}

#[test]
fn holidays_for_a_subdivision_include_its_own_and_its_nations_days() {
    let out = meridian(&["holidays", "--region", "AU-NSW", "--from", "2026-01-01", "--to", "2026-12-31", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let days: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(days.iter().any(|d| d["region"] == "AU" && d["date"] == "2026-01-26"), "Australia Day");
    assert!(days.iter().any(|d| d["region"] == "AU-NSW"), "a NSW-only day");
}

#[test]
fn an_unknown_region_suggests_close_matches() {
    let out = meridian(&["holidays", "--region", "AU-NSX", "--year", "2026"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown region 'AU-NSX'; did you mean AU-NSW"), "{stderr}");
}

#[test]
fn the_table_view_is_readable() {
    let out = meridian(&["holidays", "--region", "IN", "--year", "2026", "--kind", "public"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("India (IN), 2026-01-01 to 2026-12-31"), "{stdout}");
    assert!(stdout.contains("2026-01-26  Mon  Republic Day"), "{stdout}");
}

#[test]
fn a_weekend_of_every_day_is_refused() {
    let text = "[region]\ncode = \"XA\"\nname = \"Example\"\ntimezone = \"Asia/Kolkata\"\n\
                weekend = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n";
    assert_eq!(
        errors_of("XA.toml", text),
        vec!["XA.toml:5: weekend: 7 days; a weekend has at most 3, so that holidays have working days to move to"]
    );
}

#[test]
fn a_file_too_large_is_refused_and_a_large_one_still_names_its_last_line() {
    let event = "[[event]]\nname = \"Day\"\nkind = \"observance\"\nrule = \"03-01\"\nabout = \"x\"\n\n";
    let mut text = format!("{GOOD_HEADER}\n");
    while text.len() < meridian::calendar::MAX_FILE_BYTES - 200 {
        text.push_str(event);
    }
    let lines = text.lines().count();
    text.push_str("[[event]]\nname = \"Last\"\nkind = \"nonsense\"\nrule = \"03-02\"\n");
    let errors = errors_of("XA.toml", &text);
    assert!(
        errors.iter().any(|e| e.starts_with(&format!("XA.toml:{}: 'nonsense' is not a kind", lines + 3))),
        "{errors:?}"
    );
    text.push_str(&"# padding\n".repeat(100));
    assert_eq!(
        errors_of("XA.toml", &text),
        vec![format!("XA.toml:1: the file is {} bytes; a calendar file may be at most 1048576", text.len())]
    );
}

#[test]
fn a_binary_file_is_named_and_the_others_are_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("AA.toml"), [0x89, b'P', b'N', b'G', 0, 0xff, 0xfe]).unwrap();
    let bad_kind =
        format!("{GOOD_HEADER}\n[[event]]\nname = \"Founders' Day\"\nkind = \"holiday\"\nrule = \"03-01\"\n");
    std::fs::write(dir.path().join("XA.toml"), bad_kind).unwrap();
    let out = common::meridian().arg("calendars").arg("check").arg(dir.path()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("AA.toml:1: not a text file: byte 1 is not UTF-8"), "{err}");
    assert!(err.contains("XA.toml:8: 'holiday' is not a kind"), "the other file is checked too: {err}");
}

//! ICS feeds on the bot's HTTP server: `GET /calendars/{code}.ics` serves any calendar meridian
//! knows (a region's or a company's) from last year to two years ahead, for Google Calendar,
//! Outlook or Apple Calendar to subscribe to. Read-only; the UIDs are the occurrences' keys,
//! so a subscriber's copy is updated in place when a date moves, never doubled.

use crate::calendar::write_ics;
use crate::service::Services;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{Datelike, NaiveDate};
use std::sync::Arc;

/// The feed routes, to merge into the bot's HTTP routes.
pub fn routes(services: Arc<Services>) -> Router {
    Router::new().route("/calendars/{file}", get(feed)).with_state(services)
}

async fn feed(State(services): State<Arc<Services>>, Path(file): Path<String>) -> Response {
    let Some(code) = file.strip_suffix(".ics") else {
        return (StatusCode::NOT_FOUND, "feeds are /calendars/CODE.ics, such as /calendars/IN.ics\n").into_response();
    };
    let library = services.library();
    let Some(calendar) = code.parse().ok().and_then(|c| library.get(&c)) else {
        return (StatusCode::NOT_FOUND, format!("no calendar '{code}'\n")).into_response();
    };
    let now = services.clock.now();
    let year = now.with_timezone(&calendar.timezone).year();
    let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year - 1, 1, 1), NaiveDate::from_ymd_opt(year + 2, 12, 31))
    else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let (occurrences, _) = calendar.occurrences(from, to);
    let body = write_ics(&calendar.name, &occurrences, now);
    let headers = [
        (header::CONTENT_TYPE, "text/calendar; charset=utf-8".to_string()),
        (header::CONTENT_DISPOSITION, format!("inline; filename=\"{}.ics\"", calendar.code)),
        (header::CACHE_CONTROL, "max-age=3600".to_string()),
    ];
    (headers, body).into_response()
}

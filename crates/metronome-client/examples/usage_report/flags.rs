//! The example's command line.

use chrono::{DateTime, Duration, Utc};
use metronome_client::IntoEnum;
use metronome_client::types::WindowSize;
use uuid::Uuid;

pub const HELP: &str = "\
usage_report: usage and costs from Metronome, walked across every page

USAGE:
    cargo run --example usage_report -- [OPTIONS]

Talks to Metronome when METRONOME_BEARER_TOKEN is set (METRONOME_BASE_URL
overrides the server); otherwise starts a fake Metronome in-process.

OPTIONS:
    --customer-id UUID      one customer (default: every customer)
    --starting-on TIME      RFC 3339, UTC midnight (default: 7 days before --ending-before)
    --ending-before TIME    RFC 3339, UTC midnight (default: today, 00:00 UTC)
    --window-size SIZE      hour, day or none (default: day)
    --limit N               days of costs per page, 1 to 100 (default: the server's)
    --json                  print one JSON line instead of tables
    -h, --help              print this help";

/// What the command line asked for.
#[derive(Debug)]
pub struct Flags {
    pub customer_id: Option<Uuid>,
    pub starting_on: DateTime<Utc>,
    pub ending_before: DateTime<Utc>,
    pub window_size: WindowSize,
    pub limit: Option<u32>,
    pub json: bool,
}

/// `Ok(None)` means `--help` was asked for.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Option<Flags>, String> {
    let today = Utc::now()
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let (mut customer_id, mut starting_on, mut ending_before) = (None, None, None);
    let (mut window_size, mut limit, mut json) = (WindowSize::Day, None, false);
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--json" => json = true,
            "--customer-id" => {
                let text = value()?;
                customer_id = Some(
                    Uuid::parse_str(&text)
                        .map_err(|_| format!("--customer-id {text:?} is not a uuid"))?,
                );
            }
            "--starting-on" => starting_on = Some(time("--starting-on", &value()?)?),
            "--ending-before" => ending_before = Some(time("--ending-before", &value()?)?),
            "--window-size" => {
                window_size = value()?
                    .into_enum()
                    .map_err(|e| format!("--window-size {e}"))?
            }
            "--limit" => {
                let text = value()?;
                limit = Some(
                    text.parse()
                        .map_err(|_| format!("--limit {text:?} is not a number"))?,
                );
            }
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    let ending_before = ending_before.unwrap_or(today);
    let starting_on = starting_on.unwrap_or(ending_before - Duration::days(7));
    Ok(Some(Flags {
        customer_id,
        starting_on,
        ending_before,
        window_size,
        limit,
        json,
    }))
}

fn time(flag: &str, text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            format!("{flag} {text:?} is not an RFC 3339 time such as 2024-01-01T00:00:00Z")
        })
}

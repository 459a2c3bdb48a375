//! Where arguments are checked. Builders accept typed values or strings;
//! a value that does not convert is reported as
//! [`Error::InvalidRequest`](crate::Error::InvalidRequest) when the
//! request is sent, before anything goes out.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use uuid::Uuid;

/// A value that names an instant: a `DateTime`, a `NaiveDate` (midnight
/// UTC), or an RFC 3339 string such as `"2024-01-01T00:00:00Z"`.
pub trait IntoTimestamp {
    /// Converts, or says why not.
    fn into_timestamp(self) -> Result<DateTime<Utc>, String>;
}

impl IntoTimestamp for DateTime<Utc> {
    fn into_timestamp(self) -> Result<DateTime<Utc>, String> {
        representable(self)
    }
}

impl IntoTimestamp for DateTime<FixedOffset> {
    fn into_timestamp(self) -> Result<DateTime<Utc>, String> {
        representable(self.with_timezone(&Utc))
    }
}

impl IntoTimestamp for NaiveDate {
    fn into_timestamp(self) -> Result<DateTime<Utc>, String> {
        representable(self.and_time(chrono::NaiveTime::MIN).and_utc())
    }
}

/// RFC 3339 writes a year in four digits: an instant outside years
/// 0000–9999 has no text the API can read (chrono would send `+262142-…`).
fn representable(t: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    use chrono::Datelike;
    if (0..=9999).contains(&t.year()) {
        Ok(t)
    } else {
        Err(format!(
            "{t} is outside the years 0000-9999 an RFC 3339 timestamp can hold"
        ))
    }
}

impl IntoTimestamp for &str {
    fn into_timestamp(self) -> Result<DateTime<Utc>, String> {
        let parsed = DateTime::parse_from_rfc3339(self.trim()).map_err(|e| {
            format!("{self:?} is not an RFC 3339 timestamp such as 2024-01-01T00:00:00Z ({e})")
        })?;
        // In range once in UTC too: 0000-01-01T00:00:00+01:00 is not.
        representable(parsed.with_timezone(&Utc))
    }
}

impl IntoTimestamp for String {
    fn into_timestamp(self) -> Result<DateTime<Utc>, String> {
        self.as_str().into_timestamp()
    }
}

impl IntoTimestamp for &String {
    fn into_timestamp(self) -> Result<DateTime<Utc>, String> {
        self.as_str().into_timestamp()
    }
}

/// A value that names a Metronome object by id: a `Uuid` or its text.
pub trait IntoId {
    /// Converts, or says why not.
    fn into_id(self) -> Result<Uuid, String>;
}

impl IntoId for Uuid {
    fn into_id(self) -> Result<Uuid, String> {
        Ok(self)
    }
}

impl IntoId for &Uuid {
    fn into_id(self) -> Result<Uuid, String> {
        Ok(*self)
    }
}

impl IntoId for &str {
    fn into_id(self) -> Result<Uuid, String> {
        Uuid::parse_str(self.trim()).map_err(|_| format!("{:?} is not a uuid", truncate(self)))
    }
}

impl IntoId for String {
    fn into_id(self) -> Result<Uuid, String> {
        self.as_str().into_id()
    }
}

impl IntoId for &String {
    fn into_id(self) -> Result<Uuid, String> {
        self.as_str().into_id()
    }
}

/// A caller's text, cut short so an error message stays one readable line.
pub(crate) fn truncate(text: &str) -> String {
    const MAX: usize = 64;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        text.chars().take(MAX).chain(std::iter::once('…')).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_from_text_dates_and_offsets() {
        let utc: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
        assert_eq!("2024-01-01T00:00:00Z".into_timestamp(), Ok(utc));
        assert_eq!("2024-01-01T01:00:00+01:00".into_timestamp(), Ok(utc));
        assert_eq!(
            NaiveDate::from_ymd_opt(2024, 1, 1)
                .unwrap()
                .into_timestamp(),
            Ok(utc)
        );
        assert!(
            "2024-01-01"
                .into_timestamp()
                .unwrap_err()
                .contains("not an RFC 3339 timestamp")
        );
    }

    #[test]
    fn instants_rfc_3339_cannot_write_are_refused() {
        assert!(DateTime::<Utc>::MAX_UTC.into_timestamp().is_err());
        assert!(DateTime::<Utc>::MIN_UTC.into_timestamp().is_err());
        assert!("0000-01-01T00:00:00+01:00".into_timestamp().is_err());
        assert!("9999-12-31T23:59:59Z".into_timestamp().is_ok());
        assert!("0000-01-01T00:00:00Z".into_timestamp().is_ok());
    }

    #[test]
    fn ids() {
        assert!("d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc".into_id().is_ok());
        assert_eq!("../x".into_id(), Err("\"../x\" is not a uuid".into()));
    }
}

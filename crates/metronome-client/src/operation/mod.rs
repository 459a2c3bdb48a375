//! What every generated request builder (`generated/`) is made of: the
//! argument conversions it calls, the checks of the description's
//! constraints, the list of problems found before sending, the HTTP
//! request it builds ([`request`]) and how that is sent and its answer
//! decoded ([`send`]). Written once, here; nothing per operation.

pub(crate) mod args;
pub(crate) mod request;
pub(crate) mod response;
pub(crate) mod send;

use crate::Error;

/// A request's arguments read by their names in the API description: how
/// hand-written extensions (`extras/`) read a generated list builder
/// without knowing how it stores them. The value is the type the builder
/// holds (`Vec<Uuid>` for `customer_ids`), `None` when not set.
pub(crate) trait Arguments {
    fn argument(&self, name: &str) -> Option<&dyn std::any::Any>;
}

/// The problems found in a request's arguments, reported together when it
/// is sent (as [`Error::InvalidRequest`]), before anything goes out.
#[derive(Debug, Clone, Default)]
pub struct Problems(Vec<String>);

impl Problems {
    /// Keeps a converted value, or records why it could not be converted.
    pub(crate) fn keep<T>(&mut self, name: &str, converted: Result<T, String>) -> Option<T> {
        match converted {
            Ok(value) => Some(value),
            Err(why) if why.starts_with('[') => {
                // An item of a list: `items[3]: customer_id is empty`.
                self.0.push(format!("{name}{why}"));
                None
            }
            Err(why) => {
                self.0.push(format!("{name}: {why}"));
                None
            }
        }
    }

    /// [`check`](Self::check), and each required argument the method does
    /// not take (`(name, setter, set)`) must have been set: one that was
    /// not is reported by name, unless its setter already reported a
    /// problem.
    pub(crate) fn check_required(&self, required: &[(&str, &str, bool)]) -> Result<(), Error> {
        let reported = |name: &str| {
            self.0.iter().any(|p| {
                p.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('['))
            })
        };
        let missing = required
            .iter()
            .filter(|(name, _, set)| !set && !reported(name))
            .map(|(name, setter, _)| {
                format!("{name} is required: call .{setter}(..) before sending")
            });
        let problems: Vec<String> = self.0.iter().cloned().chain(missing).collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidRequest(problems.join("; ")))
        }
    }

    /// `Ok` when there is nothing to report.
    pub(crate) fn check(&self) -> Result<(), Error> {
        self.check_required(&[])
    }
}

/// A value a setter takes as is or through a conversion that may fail
/// (an extra such as [`Event`](crate::Event) builds a generated type and
/// checks it on the way).
pub trait IntoValue<T> {
    /// Converts, or says why not.
    fn into_value(self) -> Result<T, String>;
}

impl<T> IntoValue<T> for T {
    fn into_value(self) -> Result<T, String> {
        Ok(self)
    }
}

/// A `json!` object where the description takes any object (custom
/// fields, a payload): anything but an object is refused before sending.
impl IntoValue<serde_json::Map<String, serde_json::Value>> for serde_json::Value {
    fn into_value(self) -> Result<serde_json::Map<String, serde_json::Value>, String> {
        match self {
            serde_json::Value::Object(map) => Ok(map),
            other => Err(format!(
                "must be a JSON object, got {}",
                match other {
                    serde_json::Value::Null => "null",
                    serde_json::Value::Bool(_) => "a boolean",
                    serde_json::Value::Number(_) => "a number",
                    serde_json::Value::String(_) => "a string",
                    serde_json::Value::Array(_) => "an array",
                    serde_json::Value::Object(_) => "an object",
                }
            )),
        }
    }
}

/// A generated type a request takes whole (a schedule, an amount): besides
/// the type itself, a `json!` value of its shape is accepted, and one that
/// does not decode into the type is refused before sending, naming the
/// field and what is wrong. `cargo xtask gen` implements it for every such
/// type.
pub trait JsonShaped: serde::de::DeserializeOwned {}

impl<T: JsonShaped> IntoValue<T> for serde_json::Value {
    fn into_value(self) -> Result<T, String> {
        serde_json::from_value(self).map_err(|e| e.to_string())
    }
}

/// A closed set of values a request may carry (`window_size`, say): the
/// generated enums, each with its wire values.
pub trait RequestEnum: std::str::FromStr + Sized {
    /// Every value, as sent.
    const VALUES: &'static [&'static str];
}

/// A value of a [`RequestEnum`]: the enum itself, or its name in any letter
/// case (`"day"`, `"Day"`, `"DAY"`), sent as the API spells it.
pub trait IntoEnum<E> {
    /// Converts, or says why not (listing the accepted values).
    fn into_enum(self) -> Result<E, String>;
}

impl<E: RequestEnum> IntoEnum<E> for E {
    fn into_enum(self) -> Result<E, String> {
        Ok(self)
    }
}

impl<E: RequestEnum> IntoEnum<E> for &str {
    fn into_enum(self) -> Result<E, String> {
        let wanted = self.trim();
        E::VALUES
            .iter()
            .find(|v| v.eq_ignore_ascii_case(wanted))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| {
                let values: Vec<String> =
                    E::VALUES.iter().map(|v| v.to_ascii_lowercase()).collect();
                format!(
                    "{:?} is not one of {}",
                    args::truncate(self),
                    values.join(", ")
                )
            })
    }
}

impl<E: RequestEnum> IntoEnum<E> for String {
    fn into_enum(self) -> Result<E, String> {
        self.as_str().into_enum()
    }
}

impl<E: RequestEnum> IntoEnum<E> for &String {
    fn into_enum(self) -> Result<E, String> {
        self.as_str().into_enum()
    }
}

/// The description's constraints, checked before anything is sent.
pub mod check {
    /// A number JSON can carry: NaN and the infinities would go out as
    /// `null`, which the server reads as "clear this field".
    pub fn finite(value: f64) -> Result<f64, String> {
        if value.is_finite() {
            Ok(value)
        } else {
            Err(format!("must be a finite number, got {value}"))
        }
    }

    /// One of the values the description lists for a text (an enum it
    /// keeps open for answers): the value as given, or the listed value it
    /// matches ignoring case and blanks around it, which is what goes out.
    pub fn one_of(value: String, known: &[&str]) -> Result<String, String> {
        if known.contains(&value.as_str()) {
            return Ok(value);
        }
        let given = value.trim();
        let mut matches = known.iter().filter(|k| k.eq_ignore_ascii_case(given));
        match (matches.next(), matches.next()) {
            (Some(only), None) => Ok((*only).to_string()),
            _ => Err(format!(
                "{:?} is not one of {}",
                crate::operation::args::truncate(&value),
                known.join(", ")
            )),
        }
    }

    /// A path parameter: one segment that names something. `""`, `.` and
    /// `..` would change the path itself (`/a/..` is `/`).
    pub fn segment(value: String) -> Result<String, String> {
        if matches!(value.as_str(), "" | "." | "..") {
            Err(format!(
                "{value:?} cannot be a path segment: it would change the path, not name a resource"
            ))
        } else {
            Ok(value)
        }
    }

    /// `minimum` / `maximum`.
    pub fn range(value: f64, min: Option<f64>, max: Option<f64>) -> Result<(), String> {
        match (min, max) {
            (Some(lo), Some(hi)) if !(lo..=hi).contains(&value) => {
                Err(format!("must be between {lo} and {hi}, got {value}"))
            }
            (Some(lo), None) if value < lo => Err(format!("must be at least {lo}, got {value}")),
            (None, Some(hi)) if value > hi => Err(format!("must be at most {hi}, got {value}")),
            _ => Ok(()),
        }
    }

    /// `minProperties`, on a map.
    #[allow(dead_code, reason = "only some features' operations bound a map")]
    pub fn properties(len: usize, min: u64) -> Result<(), String> {
        if (len as u64) < min {
            Err(format!("needs at least {min} field(s), got {len}"))
        } else {
            Ok(())
        }
    }

    /// `minItems` / `maxItems`.
    pub fn items(len: usize, min: Option<u64>, max: Option<u64>) -> Result<(), String> {
        let len = len as u64;
        match (min, max) {
            (Some(lo), _) if len < lo => Err(format!("needs at least {lo} item(s), got {len}")),
            (_, Some(hi)) if len > hi => Err(format!("takes at most {hi} item(s), got {len}")),
            _ => Ok(()),
        }
    }

    /// A period: its start strictly before its end, when both are set.
    pub fn period(
        start_name: &str,
        start: Option<&chrono::DateTime<chrono::Utc>>,
        end_name: &str,
        end: Option<&chrono::DateTime<chrono::Utc>>,
    ) -> Result<(), crate::Error> {
        use chrono::SecondsFormat::AutoSi;
        match (start, end) {
            (Some(start), Some(end)) if start >= end => Err(crate::Error::InvalidRequest(format!(
                "{start_name} ({}) must be before {end_name} ({})",
                start.to_rfc3339_opts(AutoSi, true),
                end.to_rfc3339_opts(AutoSi, true)
            ))),
            _ => Ok(()),
        }
    }

    /// `minLength` / `maxLength`, in characters.
    pub fn length(len: usize, min: Option<u64>, max: Option<u64>) -> Result<(), String> {
        let len = len as u64;
        match (min, max) {
            (Some(lo), _) if len < lo => {
                Err(format!("needs at least {lo} character(s), got {len}"))
            }
            (_, Some(hi)) if len > hi => Err(format!("takes at most {hi} character(s), got {len}")),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use metronome_types::WindowSize;

    #[test]
    fn known_values_in_any_case_and_segments_that_name_something() {
        let known = ["SUM", "sum_all", "Max"];
        for (given, sent) in [
            ("SUM", "SUM"),
            ("sum", "SUM"),
            (" max ", "Max"),
            ("SUM_ALL", "sum_all"),
        ] {
            assert_eq!(check::one_of(given.into(), &known), Ok(sent.to_string()));
        }
        assert_eq!(
            check::one_of("avg".into(), &known),
            Err("\"avg\" is not one of SUM, sum_all, Max".into())
        );
        // Values that differ only by case are taken as written, never guessed.
        let both = ["HOUR", "hour"];
        assert_eq!(check::one_of("hour".into(), &both), Ok("hour".into()));
        assert!(check::one_of("Hour".into(), &both).is_err());
        for bad in ["", ".", ".."] {
            assert!(check::segment(bad.into()).is_err(), "{bad:?}");
        }
        for good in ["a", "...", ".a", "a.."] {
            assert_eq!(check::segment(good.into()), Ok(good.to_string()));
        }
    }

    #[test]
    fn enums_in_any_case() {
        for text in ["day", "Day", "DAY", " dAy "] {
            assert_eq!(text.into_enum(), Ok(WindowSize::Day));
        }
        assert_eq!(
            IntoEnum::<WindowSize>::into_enum("None"),
            Ok(WindowSize::None)
        );
        assert_eq!(
            IntoEnum::<WindowSize>::into_enum("week"),
            Err("\"week\" is not one of hour, day, none".into())
        );
    }

    #[test]
    fn periods_must_move_forward() {
        let t = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
        let (a, b) = (t("2024-01-01T00:00:00Z"), t("2024-01-02T00:00:00Z"));
        assert!(check::period("starting_on", Some(&a), "ending_before", Some(&b)).is_ok());
        assert!(check::period("starting_on", None, "ending_before", Some(&b)).is_ok());
        let err = check::period("starting_on", Some(&b), "ending_before", Some(&a)).unwrap_err();
        assert!(
            err.to_string()
                .contains("starting_on (2024-01-02T00:00:00Z) must be before ending_before"),
            "{err}"
        );
    }

    #[test]
    fn constraints() {
        assert!(check::range(5.0, Some(1.0), Some(100.0)).is_ok());
        assert_eq!(
            check::range(0.0, Some(1.0), Some(100.0)),
            Err("must be between 1 and 100, got 0".into())
        );
        assert_eq!(
            check::items(101, Some(1), Some(100)),
            Err("takes at most 100 item(s), got 101".into())
        );
        assert_eq!(
            check::items(0, Some(1), None),
            Err("needs at least 1 item(s), got 0".into())
        );
        assert_eq!(
            check::length(0, Some(1), None),
            Err("needs at least 1 character(s), got 0".into())
        );
    }

    #[test]
    fn problems_are_reported_together_before_sending() {
        let mut problems = Problems::default();
        assert_eq!(problems.keep("limit", Ok::<_, String>(3)), Some(3));
        assert!(problems.check().is_ok());
        assert_eq!(problems.keep::<u8>("limit", Err("too big".into())), None);
        assert_eq!(
            problems.keep::<u8>("items", Err("[2]: customer_id is empty".into())),
            None
        );
        assert_eq!(
            problems.check().unwrap_err().to_string(),
            "invalid request, nothing was sent: limit: too big; items[2]: customer_id is empty"
        );
    }
}

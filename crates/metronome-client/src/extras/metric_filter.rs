//! One billable metric of a usage request, optionally split by a group key.

use metronome_types as types;
use uuid::Uuid;

use crate::IntoId;
use crate::operation::IntoValue;

/// One billable metric to aggregate, optionally split by a group key, for
/// `client.usage().list(..).billable_metrics(..)`.
///
/// ```
/// use metronome_client::MetricFilter;
///
/// let by_region = MetricFilter::new("182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")
///     .group_by("region")
///     .values(["eu-west", "us-east"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MetricFilter {
    id: Result<Uuid, String>,
    group_key: Option<String>,
    group_values: Option<Vec<String>>,
}

impl MetricFilter {
    /// The metric with this id, not split.
    pub fn new(id: impl IntoId) -> Self {
        Self {
            id: id.into_id(),
            group_key: None,
            group_values: None,
        }
    }

    /// Splits the aggregate by the values of `key`.
    pub fn group_by(mut self, key: impl Into<String>) -> Self {
        self.group_key = Some(key.into());
        self
    }

    /// Only these values of the group key (none empty, as many as the
    /// description allows). Without this, every value is returned.
    pub fn values<I>(mut self, values: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.group_values = Some(values.into_iter().map(Into::into).collect());
        self
    }
}

impl IntoValue<types::BillableMetricFilter> for MetricFilter {
    fn into_value(self) -> Result<types::BillableMetricFilter, String> {
        let id = self.id.map_err(|e| format!("billable metric id: {e}"))?;
        let group_by = match (self.group_key, self.group_values) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(format!("billable metric {id}: values() needs group_by()"));
            }
            (Some(key), values) => Some(group_by(id, key, values)?),
        };
        Ok(types::BillableMetricFilter { id, group_by })
    }
}

/// The most values one `group_by` may list (the description's `maxItems`
/// of `GroupByFilter.values`, which the generated checks do not reach:
/// they check a request's own arguments, not values nested in them).
const MAX_GROUP_VALUES: usize = 200;

fn group_by(
    id: Uuid,
    key: String,
    values: Option<Vec<String>>,
) -> Result<types::GroupByFilter, String> {
    if key.is_empty() {
        return Err(format!("billable metric {id}: the group_by key is empty"));
    }
    let values = match values {
        None => Vec::new(),
        Some(v) if v.is_empty() => {
            return Err(format!(
                "billable metric {id}: values() is empty; leave it out to get every value"
            ));
        }
        Some(v) if v.len() > MAX_GROUP_VALUES => {
            return Err(format!(
                "billable metric {id}: {} group values, at most {MAX_GROUP_VALUES} are allowed",
                v.len()
            ));
        }
        Some(v) => v
            .iter()
            .map(|value| {
                value
                    .parse()
                    .map_err(|_| format!("billable metric {id}: a group value is empty"))
            })
            .collect::<Result<_, _>>()?,
    };
    Ok(types::GroupByFilter { key, values })
}

impl IntoValue<types::BillableMetricFilter> for Uuid {
    fn into_value(self) -> Result<types::BillableMetricFilter, String> {
        MetricFilter::new(self).into_value()
    }
}

impl IntoValue<types::BillableMetricFilter> for &str {
    fn into_value(self) -> Result<types::BillableMetricFilter, String> {
        MetricFilter::new(self).into_value()
    }
}

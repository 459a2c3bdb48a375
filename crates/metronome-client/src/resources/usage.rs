//! Usage: `POST /v1/usage`, aggregated usage per customer, metric and window.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use metronome_api::types::{self, UsageAggregate, WindowSize};
use uuid::Uuid;

use crate::args::{self, IntoId, IntoTimestamp, IntoWindowSize};
use crate::pagination::{PageQuery, WalkLimits, list_request};
use crate::resources::{call, check_limit};
use crate::{Client, Error, Page, Partitioned};

/// The most values one `group_by` may list.
const MAX_GROUP_VALUES: usize = 200;

/// Usage operations: `client.usage()`.
#[derive(Debug, Clone, Copy)]
pub struct Usage<'a> {
    client: &'a Client,
}

impl Client {
    /// Usage operations.
    pub fn usage(&self) -> Usage<'_> {
        Usage { client: self }
    }
}

impl Usage<'_> {
    /// Aggregated usage over `[starting_on, ending_before)`, cut into
    /// windows of `window_size` (`"hour"`, `"day"` or `"none"`, any case),
    /// for every customer and billable metric unless filtered.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
    /// let rows: Vec<_> = client
    ///     .usage()
    ///     .list("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "day")
    ///     .customer_id("d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc")
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(
        &self,
        starting_on: impl IntoTimestamp,
        ending_before: impl IntoTimestamp,
        window_size: impl IntoWindowSize,
    ) -> ListUsage {
        ListUsage {
            client: self.client.clone(),
            starting_on: starting_on.into_timestamp(),
            ending_before: ending_before.into_timestamp(),
            window_size: window_size.into_window_size(),
            customer_ids: None,
            billable_metrics: None,
            limits: WalkLimits::default(),
        }
    }
}

/// One billable metric to aggregate, optionally split by a group key.
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

    /// Only these values of the group key (1 to 200, none empty). Without
    /// this, every value is returned (up to 200).
    pub fn values<I>(mut self, values: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.group_values = Some(values.into_iter().map(Into::into).collect());
        self
    }

    fn build(&self) -> Result<types::BillableMetricFilter, String> {
        let id = self
            .id
            .clone()
            .map_err(|e| format!("billable metric id: {e}"))?;
        let group_by = match (&self.group_key, &self.group_values) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(format!("billable metric {id}: values() needs group_by()"));
            }
            (Some(key), values) => Some(group_by(id, key, values.as_deref())?),
        };
        Ok(types::BillableMetricFilter { id, group_by })
    }
}

fn group_by(
    id: Uuid,
    key: &str,
    values: Option<&[String]>,
) -> Result<types::GroupByFilter, String> {
    if key.is_empty() {
        return Err(format!("billable metric {id}: the group_by key is empty"));
    }
    let values = match values {
        None => Vec::new(),
        Some([]) => {
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
    Ok(types::GroupByFilter {
        key: key.to_string(),
        values,
    })
}

impl<T: IntoId> From<T> for MetricFilter {
    fn from(id: T) -> Self {
        Self::new(id)
    }
}

/// A request for aggregated usage: built by [`Usage::list`], sent with
/// [`send`](ListUsage::send), [`pages`](ListUsage::pages) or
/// [`stream`](ListUsage::stream).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or streamed"]
pub struct ListUsage {
    client: Client,
    starting_on: Result<DateTime<Utc>, String>,
    ending_before: Result<DateTime<Utc>, String>,
    window_size: Result<WindowSize, String>,
    customer_ids: Option<Vec<Result<Uuid, String>>>,
    billable_metrics: Option<Vec<MetricFilter>>,
    limits: WalkLimits,
}

list_request!(ListUsage, UsageAggregate);

impl ListUsage {
    /// Only these customers (at least one). Without it, every customer.
    pub fn customer_ids<I>(mut self, ids: I) -> Self
    where
        I: IntoIterator,
        I::Item: IntoId,
    {
        self.customer_ids = Some(ids.into_iter().map(IntoId::into_id).collect());
        self
    }

    /// Adds one customer to the filter.
    pub fn customer_id(mut self, id: impl IntoId) -> Self {
        self.customer_ids
            .get_or_insert_with(Vec::new)
            .push(id.into_id());
        self
    }

    /// Adds one billable metric to the filter: an id, or a
    /// [`MetricFilter`] with a `group_by`. Without any, every metric.
    pub fn billable_metric(mut self, metric: impl Into<MetricFilter>) -> Self {
        self.billable_metrics
            .get_or_insert_with(Vec::new)
            .push(metric.into());
        self
    }

    /// The request body, or why it cannot be built.
    fn query(&self) -> Result<UsageQuery, Error> {
        let (starting_on, ending_before) =
            args::period(&self.starting_on, &self.ending_before).map_err(Error::InvalidRequest)?;
        let window_size = self.window_size.clone().map_err(Error::InvalidRequest)?;
        let customer_ids = match &self.customer_ids {
            None => Vec::new(),
            Some(ids) if ids.is_empty() => {
                return Err(Error::InvalidRequest(
                    "customer_ids is empty; leave it out to get every customer".into(),
                ));
            }
            Some(ids) => ids
                .iter()
                .cloned()
                .collect::<Result<_, _>>()
                .map_err(|e| Error::InvalidRequest(format!("customer id: {e}")))?,
        };
        let billable_metrics = self
            .billable_metrics
            .iter()
            .flatten()
            .map(MetricFilter::build)
            .collect::<Result<_, _>>()
            .map_err(Error::InvalidRequest)?;
        Ok(UsageQuery {
            body: types::UsageListRequest {
                starting_on,
                ending_before,
                window_size,
                customer_ids,
                billable_metrics,
            },
        })
    }

    /// Splits the walk into `partitions` walks over chunks of the
    /// [`customer_ids`](ListUsage::customer_ids) (which must be set), run
    /// concurrently. Every aggregate arrives exactly once, in no
    /// particular order across partitions.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: metronome_client::Client, customers: Vec<uuid::Uuid>) -> Result<(), metronome_client::Error> {
    /// let rows: Vec<_> = client
    ///     .usage()
    ///     .list("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "day")
    ///     .customer_ids(customers)
    ///     .partition_by_customers(4)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn partition_by_customers(self, partitions: usize) -> Partitioned<UsageAggregate> {
        let split = || -> Result<Vec<ListUsage>, Error> {
            let query = self.query()?;
            if query.body.customer_ids.is_empty() {
                return Err(Error::InvalidRequest(
                    "partition_by_customers needs customer_ids to split; use partition_by_time otherwise".into(),
                ));
            }
            let ids = query.body.customer_ids;
            let size = ids.len().div_ceil(partitions.max(1));
            Ok(ids
                .chunks(size)
                .map(|chunk| ListUsage {
                    customer_ids: Some(chunk.iter().copied().map(Ok).collect()),
                    ..self.clone()
                })
                .collect())
        };
        Partitioned::new(split().map(|parts| parts.into_iter().map(ListUsage::pages).collect()))
    }

    /// Splits the walk into `partitions` walks over consecutive runs of
    /// whole days of the period, run concurrently. Every aggregate arrives
    /// exactly once, in no particular order across partitions. A
    /// `window_size` of `none` (one window for the whole period) cannot be
    /// split.
    pub fn partition_by_time(self, partitions: usize) -> Partitioned<UsageAggregate> {
        let split = || -> Result<Vec<ListUsage>, Error> {
            let query = self.query()?;
            if query.body.window_size == WindowSize::None {
                return Err(Error::InvalidRequest(
                    "a window_size of none is one window for the whole period: it cannot be split by time".into(),
                ));
            }
            let (start, end) = (query.body.starting_on, query.body.ending_before);
            let days = (end - start).num_days().max(1).unsigned_abs();
            let per_part =
                i64::try_from(days.div_ceil(partitions.max(1) as u64)).unwrap_or(i64::MAX);
            let mut parts = Vec::new();
            let mut from = start;
            while from < end {
                let to = (from + chrono::Duration::days(per_part)).min(end);
                parts.push(ListUsage {
                    starting_on: Ok(from),
                    ending_before: Ok(to),
                    ..self.clone()
                });
                from = to;
            }
            Ok(parts)
        };
        Partitioned::new(split().map(|parts| parts.into_iter().map(ListUsage::pages).collect()))
    }
}

/// A validated usage request: the body is sent unchanged on every page;
/// only `next_page` in the query string changes.
struct UsageQuery {
    body: types::UsageListRequest,
}

impl PageQuery for UsageQuery {
    type Item = UsageAggregate;
    const OPERATION: &'static str = "usage_list";

    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<UsageAggregate>, Error>> {
        let call = client.api().usage_list().body(self.body.clone());
        crate::raw::fetch_page(call, cursor)
    }
}

/// The most events one ingest request may carry.
pub const MAX_EVENTS_PER_REQUEST: usize = 100;

/// One usage event, for [`Usage::ingest`].
///
/// ```
/// use metronome_client::Event;
///
/// let event = Event::new("req-8f14e45f", "customer-42", "api_call", "2024-01-01T12:00:00Z")
///     .property("region", "eu-west")
///     .property("tokens", 1200);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    transaction_id: String,
    customer_id: String,
    event_type: String,
    timestamp: Result<DateTime<Utc>, String>,
    properties: serde_json::Map<String, serde_json::Value>,
}

impl Event {
    /// An event: its unique `transaction_id` (sending it twice counts it
    /// once), the customer (Metronome id or ingest alias), what happened,
    /// and when.
    pub fn new(
        transaction_id: impl Into<String>,
        customer_id: impl Into<String>,
        event_type: impl Into<String>,
        timestamp: impl IntoTimestamp,
    ) -> Self {
        Self {
            transaction_id: transaction_id.into(),
            customer_id: customer_id.into(),
            event_type: event_type.into(),
            timestamp: timestamp.into_timestamp(),
            properties: serde_json::Map::new(),
        }
    }

    /// Adds a property the billable metrics may aggregate or group by.
    pub fn property(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.properties.insert(key.into(), value.into());
        self
    }

    fn build(&self, index: usize) -> Result<types::UsageEvent, String> {
        for (name, value) in [
            ("transaction_id", &self.transaction_id),
            ("customer_id", &self.customer_id),
            ("event_type", &self.event_type),
        ] {
            if value.trim().is_empty() {
                return Err(format!("event {index}: {name} is empty"));
            }
        }
        let timestamp = self
            .timestamp
            .clone()
            .map_err(|e| format!("event {index}: timestamp: {e}"))?;
        let field = |name: &'static str| {
            move |e: types::error::ConversionError| format!("event {index}: {name}: {e}")
        };
        Ok(types::UsageEvent {
            transaction_id: self
                .transaction_id
                .parse()
                .map_err(field("transaction_id"))?,
            customer_id: self.customer_id.parse().map_err(field("customer_id"))?,
            event_type: self.event_type.parse().map_err(field("event_type"))?,
            timestamp: timestamp.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            properties: self.properties.clone(),
        })
    }
}

impl Usage<'_> {
    /// Sends up to 100 usage events in one request. Retrying is safe: the
    /// server counts an event once per `transaction_id`.
    ///
    /// ```no_run
    /// use metronome_client::Event;
    /// # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
    /// client
    ///     .usage()
    ///     .ingest([Event::new("req-1", "customer-42", "api_call", "2024-01-01T12:00:00Z")])
    ///     .send()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn ingest(&self, events: impl IntoIterator<Item = Event>) -> Ingest {
        Ingest {
            client: self.client.clone(),
            events: events.into_iter().collect(),
        }
    }

    /// One customer's usage of one billable metric per window, split by the
    /// values of group keys. Give a period (`starting_on`, `ending_before`)
    /// or `current_period()`.
    pub fn list_grouped(
        &self,
        customer_id: impl IntoId,
        billable_metric_id: impl IntoId,
        window_size: impl IntoWindowSize,
    ) -> ListGroupedUsage {
        ListGroupedUsage {
            client: self.client.clone(),
            customer_id: customer_id.into_id(),
            billable_metric_id: billable_metric_id.into_id(),
            window_size: window_size.into_window_size(),
            starting_on: None,
            ending_before: None,
            current_period: false,
            group_keys: Vec::new(),
            group_filters: std::collections::BTreeMap::new(),
            limit: None,
            limits: WalkLimits::default(),
        }
    }
}

/// A batch of events to send: built by [`Usage::ingest`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct Ingest {
    client: Client,
    events: Vec<Event>,
}

impl Ingest {
    /// Sends the batch. An empty batch, a batch over 100 events, or an
    /// event with an empty field or a bad timestamp fails before sending.
    pub async fn send(self) -> Result<(), Error> {
        if self.events.is_empty() {
            return Err(Error::InvalidRequest("no events to ingest".into()));
        }
        if self.events.len() > MAX_EVENTS_PER_REQUEST {
            return Err(Error::InvalidRequest(format!(
                "{} events in one batch; send at most {MAX_EVENTS_PER_REQUEST} per request",
                self.events.len()
            )));
        }
        let body = self
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| e.build(i))
            .collect::<Result<Vec<_>, _>>()
            .map_err(Error::InvalidRequest)?;
        let request = self.client.api().usage_ingest().body(body);
        call("usage_ingest", Box::pin(request.send()))
            .await
            .map(|_| ())
    }
}

/// A request for grouped usage: built by [`Usage::list_grouped`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or streamed"]
pub struct ListGroupedUsage {
    client: Client,
    customer_id: Result<Uuid, String>,
    billable_metric_id: Result<Uuid, String>,
    window_size: Result<WindowSize, String>,
    starting_on: Option<Result<DateTime<Utc>, String>>,
    ending_before: Option<Result<DateTime<Utc>, String>>,
    current_period: bool,
    group_keys: Vec<String>,
    group_filters: std::collections::BTreeMap<String, Vec<String>>,
    limit: Option<u32>,
    limits: WalkLimits,
}

list_request!(ListGroupedUsage, types::GroupedUsage);

impl ListGroupedUsage {
    /// Start of the period, included.
    pub fn starting_on(mut self, at: impl IntoTimestamp) -> Self {
        self.starting_on = Some(at.into_timestamp());
        self
    }

    /// End of the period, excluded.
    pub fn ending_before(mut self, at: impl IntoTimestamp) -> Self {
        self.ending_before = Some(at.into_timestamp());
        self
    }

    /// The customer's current billing period instead of explicit dates.
    pub fn current_period(mut self) -> Self {
        self.current_period = true;
        self
    }

    /// Adds a group key to split by (several make a compound group).
    pub fn group_key(mut self, key: impl Into<String>) -> Self {
        self.group_keys.push(key.into());
        self
    }

    /// Only usage whose value for `key` is one of `values`.
    pub fn group_filter<I>(mut self, key: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        self.group_filters
            .insert(key.into(), values.into_iter().map(Into::into).collect());
        self
    }

    /// Aggregates per page, 1 to 100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    fn query(&self) -> Result<GroupedQuery, Error> {
        check_limit(self.limit)?;
        let invalid =
            |field: &'static str| move |e: String| Error::InvalidRequest(format!("{field}: {e}"));
        let (starting_on, ending_before) =
            match (&self.starting_on, &self.ending_before, self.current_period) {
                (None, None, true) => (None, None),
                (Some(start), Some(end), false) => {
                    let (start, end) = args::period(start, end).map_err(Error::InvalidRequest)?;
                    (Some(start), Some(end))
                }
                (_, _, true) => {
                    return Err(Error::InvalidRequest(
                        "current_period() and explicit dates exclude each other".into(),
                    ));
                }
                _ => {
                    return Err(Error::InvalidRequest(
                        "give starting_on and ending_before, or current_period()".into(),
                    ));
                }
            };
        if self.group_keys.iter().any(String::is_empty) {
            return Err(Error::InvalidRequest("a group key is empty".into()));
        }
        Ok(GroupedQuery {
            body: types::GroupedUsageRequest {
                customer_id: self.customer_id.clone().map_err(invalid("customer_id"))?,
                billable_metric_id: self
                    .billable_metric_id
                    .clone()
                    .map_err(invalid("billable_metric_id"))?,
                window_size: self.window_size.clone().map_err(Error::InvalidRequest)?,
                starting_on,
                ending_before,
                current_period: self.current_period.then_some(true),
                group_key: group_key(&self.group_keys)?,
                group_filters: group_filters(&self.group_filters)?,
                group_by: None,
            },
            limit: self.limit,
        })
    }
}

/// A validated grouped-usage request: the same body on every page; `limit`
/// and the cursor in the query.
struct GroupedQuery {
    body: types::GroupedUsageRequest,
    limit: Option<u32>,
}

impl PageQuery for GroupedQuery {
    type Item = types::GroupedUsage;
    const OPERATION: &'static str = "usage_list_with_groups";

    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<types::GroupedUsage>, Error>> {
        let mut call = client
            .api()
            .usage_list_with_groups()
            .body(self.body.clone());
        if let Some(limit) = self.limit {
            call = call.limit(u64::from(limit));
        }
        crate::raw::fetch_page(call, cursor)
    }
}

/// The group keys as the generated body takes them; none is left out.
fn group_key(keys: &[String]) -> Result<Option<types::GroupKey>, Error> {
    if keys.is_empty() {
        return Ok(None);
    }
    let items = keys
        .iter()
        .map(|k| {
            k.parse()
                .map_err(|e| Error::InvalidRequest(format!("group key: {e}")))
        })
        .collect::<Result<Vec<types::GroupKeyItem>, Error>>()?;
    Ok(Some(types::GroupKey(items)))
}

/// The group filters as the generated body takes them; none is left out.
fn group_filters(
    filters: &std::collections::BTreeMap<String, Vec<String>>,
) -> Result<Option<types::GroupFilter>, Error> {
    if filters.is_empty() {
        return Ok(None);
    }
    let mut out = std::collections::BTreeMap::new();
    for (key, values) in filters {
        let values = values
            .iter()
            .map(|v| {
                v.parse()
                    .map_err(|e| Error::InvalidRequest(format!("group_filters[{key}]: {e}")))
            })
            .collect::<Result<Vec<types::GroupFilterValueItem>, Error>>()?;
        out.insert(key.clone(), values);
    }
    Ok(Some(types::GroupFilter(out)))
}

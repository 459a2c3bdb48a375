//! One usage walk split into several run at once: by customers (the
//! `customer_ids` filter cut into chunks) or by time (the period cut into
//! runs of whole days). Every aggregate arrives exactly once, in no
//! particular order across partitions.

use metronome_api::types::{UsageAggregate, WindowSize};

use crate::requests::UsageList;
use crate::{Error, Partitioned};

impl UsageList {
    /// Splits the walk into `partitions` walks over chunks of the
    /// `customer_ids` (which must be set), run concurrently.
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
        let split = || -> Result<Vec<UsageList>, Error> {
            let query = self.query()?;
            no_start_cursor(&query)?;
            let ids = match &query.body_customer_ids {
                // Each customer once: a repeated id would be walked by two
                // partitions and its rows delivered twice.
                Some(ids) if !ids.is_empty() => {
                    let mut seen = std::collections::HashSet::new();
                    ids.iter()
                        .copied()
                        .filter(|id| seen.insert(*id))
                        .collect::<Vec<_>>()
                }
                _ => {
                    return Err(Error::InvalidRequest(
                        "partition_by_customers needs customer_ids to split; use partition_by_time otherwise".into(),
                    ));
                }
            };
            let size = ids.len().div_ceil(partitions.max(1));
            Ok(ids
                .chunks(size)
                .map(|chunk| UsageList {
                    body_customer_ids: Some(chunk.to_vec()),
                    ..query.clone()
                })
                .collect())
        };
        Partitioned::new(split().map(|parts| parts.into_iter().map(UsageList::pages).collect()))
    }

    /// Splits the walk into `partitions` walks over consecutive runs of
    /// whole days of the period, run concurrently. A `window_size` of
    /// `none` (one window for the whole period) cannot be split.
    pub fn partition_by_time(self, partitions: usize) -> Partitioned<UsageAggregate> {
        let split = || -> Result<Vec<UsageList>, Error> {
            let query = self.query()?;
            no_start_cursor(&query)?;
            if query.body_window_size == Some(WindowSize::None) {
                return Err(Error::InvalidRequest(
                    "a window_size of none is one window for the whole period: it cannot be split by time".into(),
                ));
            }
            let (Some(start), Some(end)) = (query.body_starting_on, query.body_ending_before)
            else {
                return Err(Error::InvalidRequest(
                    "partition_by_time needs starting_on and ending_before".into(),
                ));
            };
            let days = (end - start).num_days().max(1).unsigned_abs();
            let per_part =
                i64::try_from(days.div_ceil(partitions.max(1) as u64)).unwrap_or(i64::MAX);
            let mut parts = Vec::new();
            let mut from = start;
            let step = chrono::TimeDelta::try_days(per_part).unwrap_or(chrono::TimeDelta::MAX);
            while from < end {
                // Near the largest instant a step would overflow: the last
                // partition then runs to the end.
                let to = from.checked_add_signed(step).map_or(end, |t| t.min(end));
                parts.push(UsageList {
                    body_starting_on: Some(from),
                    body_ending_before: Some(to),
                    ..query.clone()
                });
                from = to;
            }
            Ok(parts)
        };
        Partitioned::new(split().map(|parts| parts.into_iter().map(UsageList::pages).collect()))
    }
}

/// A start cursor belongs to one walk: given to every partition, each would
/// start mid-list (and skip rows). Refused before anything is sent.
fn no_start_cursor(query: &UsageList) -> Result<(), Error> {
    if query.limits.start.is_some() {
        return Err(Error::InvalidRequest(
            "next_page cannot start a partitioned walk: each partition walks its own pages from the first"
                .into(),
        ));
    }
    Ok(())
}

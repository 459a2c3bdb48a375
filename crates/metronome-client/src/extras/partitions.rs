//! One usage walk split into several run at once: by customers (the
//! `customer_ids` filter cut into chunks) or by time (the period cut into
//! runs of whole days). Every aggregate arrives exactly once, in no
//! particular order across partitions.

use chrono::{DateTime, Utc};
use metronome_types::{UsageAggregate, WindowSize};

use crate::operation::Arguments;
use crate::requests::UsageList;
use crate::{Error, Partitioned};

impl UsageList {
    /// Splits the walk into at most `partitions` walks over chunks of the
    /// `customer_ids` (which must be set; a repeated id is walked once),
    /// run [`DEFAULT_PARTITION_CONCURRENCY`](crate::DEFAULT_PARTITION_CONCURRENCY)
    /// at a time unless [`Partitioned::concurrency`] says otherwise. There
    /// are fewer partitions than asked when there are fewer customers.
    /// `max_pages` bounds all partitions together; `next_page` is refused.
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
            let ids = match argument::<Vec<uuid::Uuid>>(&query, "customer_ids") {
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
            let limits = query.limits.for_partitions();
            Ok(ids
                .chunks(size)
                .map(|chunk| {
                    let mut part = query.clone().customer_ids(chunk.iter().copied());
                    part.limits = limits();
                    part
                })
                .collect())
        };
        Partitioned::new(split().map(|parts| parts.into_iter().map(UsageList::pages).collect()))
    }

    /// Splits the walk into at most `partitions` walks over consecutive
    /// runs of whole days of the period, each run the same number of days
    /// (the last may be shorter), so a period of `d` days gives at most
    /// `d` partitions: 11 days split 5 ways is 4 runs of 3 days. Run like
    /// [`partition_by_customers`](Self::partition_by_customers). A
    /// `window_size` of `none` (one window for the whole period) cannot be
    /// split.
    pub fn partition_by_time(self, partitions: usize) -> Partitioned<UsageAggregate> {
        let split = || -> Result<Vec<UsageList>, Error> {
            let query = self.query()?;
            no_start_cursor(&query)?;
            if argument::<WindowSize>(&query, "window_size") == Some(&WindowSize::None) {
                return Err(Error::InvalidRequest(
                    "a window_size of none is one window for the whole period: it cannot be split by time".into(),
                ));
            }
            let (Some(start), Some(end)) = (
                argument::<DateTime<Utc>>(&query, "starting_on").copied(),
                argument::<DateTime<Utc>>(&query, "ending_before").copied(),
            ) else {
                return Err(Error::InvalidRequest(
                    "partition_by_time needs starting_on and ending_before".into(),
                ));
            };
            let days = (end - start).num_days().max(1).unsigned_abs();
            let per_part =
                i64::try_from(days.div_ceil(partitions.max(1) as u64)).unwrap_or(i64::MAX);
            let mut parts = Vec::new();
            let limits = query.limits.for_partitions();
            let mut from = start;
            let step = chrono::TimeDelta::try_days(per_part).unwrap_or(chrono::TimeDelta::MAX);
            while from < end {
                // Near the largest instant a step would overflow: the last
                // partition then runs to the end.
                let to = from.checked_add_signed(step).map_or(end, |t| t.min(end));
                let mut part = query.clone().starting_on(from).ending_before(to);
                part.limits = limits();
                parts.push(part);
                from = to;
            }
            Ok(parts)
        };
        Partitioned::new(split().map(|parts| parts.into_iter().map(UsageList::pages).collect()))
    }
}

/// An argument of the request by its name in the description, as the
/// type the builder holds it.
fn argument<'q, T: 'static>(query: &'q UsageList, name: &str) -> Option<&'q T> {
    query.argument(name)?.downcast_ref::<T>()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The arguments partitions read are found, as the types they are
    /// read as: a renamed field or a changed type fails here, not as a
    /// partition that silently stops splitting.
    #[test]
    fn the_arguments_partitions_read_are_there_with_their_types() {
        let client = crate::Client::builder()
            .bearer_token("t")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let query = client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", "none")
            .customer_ids(["d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc"]);
        let ids = argument::<Vec<uuid::Uuid>>(&query, "customer_ids").unwrap();
        assert_eq!(ids.len(), 1);
        assert_eq!(
            argument::<WindowSize>(&query, "window_size"),
            Some(&WindowSize::None)
        );
        let start = argument::<DateTime<Utc>>(&query, "starting_on").unwrap();
        let end = argument::<DateTime<Utc>>(&query, "ending_before").unwrap();
        assert_eq!((*end - *start).num_days(), 2);
        assert!(
            argument::<String>(&query, "customer_ids").is_none(),
            "another type"
        );
        assert!(argument::<String>(&query, "no_such_argument").is_none());
    }
}

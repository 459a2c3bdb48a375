//! Billable metrics: `GET /v1/billable-metrics`, what Metronome counts.

use futures::future::BoxFuture;
use metronome_api::types::BillableMetric;

use crate::pagination::{PageQuery, WalkLimits, list_request};
use crate::resources::check_limit;
use crate::{Client, Error, Page};

/// Billable metric operations: `client.billable_metrics()`.
#[derive(Debug, Clone, Copy)]
pub struct BillableMetrics<'a> {
    client: &'a Client,
}

impl Client {
    /// Billable metric operations.
    pub fn billable_metrics(&self) -> BillableMetrics<'_> {
        BillableMetrics { client: self }
    }
}

impl BillableMetrics<'_> {
    /// The billable metrics of the account.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
    /// let metrics: Vec<_> = client.billable_metrics().list().include_archived(true).stream().try_collect().await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> ListBillableMetrics {
        ListBillableMetrics {
            client: self.client.clone(),
            include_archived: None,
            limit: None,
            limits: WalkLimits::default(),
        }
    }
}

/// A request for the list of billable metrics: built by [`BillableMetrics::list`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or streamed"]
pub struct ListBillableMetrics {
    client: Client,
    include_archived: Option<bool>,
    limit: Option<u32>,
    limits: WalkLimits,
}

list_request!(ListBillableMetrics, BillableMetric);

impl ListBillableMetrics {
    /// Include archived metrics.
    pub fn include_archived(mut self, include: bool) -> Self {
        self.include_archived = Some(include);
        self
    }

    /// Metrics per page, 1 to 100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    fn query(&self) -> Result<MetricsQuery, Error> {
        check_limit(self.limit)?;
        Ok(MetricsQuery {
            include_archived: self.include_archived,
            limit: self.limit,
        })
    }
}

struct MetricsQuery {
    include_archived: Option<bool>,
    limit: Option<u32>,
}

impl PageQuery for MetricsQuery {
    type Item = BillableMetric;
    const OPERATION: &'static str = "billable_metrics_list";

    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<BillableMetric>, Error>> {
        let mut call = client.api().billable_metrics_list();
        if let Some(include) = self.include_archived {
            call = call.include_archived(include);
        }
        if let Some(limit) = self.limit {
            call = call.limit(u64::from(limit));
        }
        crate::raw::fetch_page(call, cursor)
    }
}

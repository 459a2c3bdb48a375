//! The mock's data: seeded, deterministic, and computed on demand, so a
//! dataset of any size costs no memory.
//!
//! Every customer has an hourly usage for every billable metric over the
//! dataset's days. Hourly values are multiples of 0.25 (so day and period
//! aggregates add up exactly in `f64`), split across three regions with
//! weights ½, ¼, ¼. Costs are the daily usage times a per-metric price.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

/// The group key usage can be split by.
pub const GROUP_KEY: &str = "region";

/// The values of [`GROUP_KEY`], with the share of usage each gets.
pub const REGIONS: [(&str, f64); 3] = [("eu-west", 0.5), ("us-east", 0.25), ("ap-south", 0.25)];

/// The one credit type costs are reported in.
pub const USD_CREDIT_TYPE: Uuid = Uuid::from_u128(0x2714e483_4ff1_48e4_9e25_ac732e8f24f2);

/// The credit type's name.
pub const USD_NAME: &str = "USD (cents)";

/// The flat fee on every day of costs, in cents, not attributed to a region.
pub const PLATFORM_FEE: f64 = 100.0;

const METRIC_NAMES: [&str; 4] = [
    "API calls",
    "Storage GB-hours",
    "Compute seconds",
    "Events ingested",
];

/// A customer of the dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// The alias usage events may name it by (`customer-001`).
    pub ingest_alias: String,
}

/// A billable metric of the dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// What one unit costs, in cents.
    pub price_cents: f64,
}

/// The longest dataset: 1,000 years of days, far past any test and well
/// inside the instants `chrono` can hold.
pub const MAX_DAYS: u32 = 365_250;

/// How big the dataset is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSize {
    /// The seed every id and value derives from.
    pub seed: u64,
    /// How many customers.
    pub customers: usize,
    /// How many billable metrics.
    pub metrics: usize,
    /// How many days of usage (at most [`MAX_DAYS`]; more is taken as that).
    pub days: u32,
    /// The first day of usage (UTC).
    pub start: NaiveDate,
}

impl Default for DatasetSize {
    /// 3 customers, 2 metrics, 7 days from 2024-01-01, seed 42.
    fn default() -> Self {
        Self {
            seed: 42,
            customers: 3,
            metrics: 2,
            days: 7,
            start: NaiveDate::from_ymd_opt(2024, 1, 1).expect("a valid date"),
        }
    }
}

/// The data a mock serves.
#[derive(Debug, Clone)]
pub struct Dataset {
    seed: u64,
    start: DateTime<Utc>,
    hours: i64,
    customers: Vec<Customer>,
    metrics: Vec<Metric>,
}

/// One usage aggregate, as the mock computes it (and serves it).
#[derive(Debug, Clone, PartialEq)]
pub struct UsageRow {
    /// The customer.
    pub customer_id: Uuid,
    /// The metric.
    pub billable_metric_id: Uuid,
    /// The metric's name.
    pub billable_metric_name: String,
    /// Start of the window, included.
    pub start: DateTime<Utc>,
    /// End of the window, excluded.
    pub end: DateTime<Utc>,
    /// The aggregate; `None` when the window holds no data.
    pub value: Option<f64>,
}

impl Dataset {
    /// Builds the dataset of this size.
    pub fn new(size: &DatasetSize) -> Self {
        let customers = (0..size.customers)
            .map(|i| Customer {
                id: derive_uuid(size.seed, 1, i as u64),
                name: format!("Customer {:03}", i + 1),
                ingest_alias: format!("customer-{:03}", i + 1),
            })
            .collect();
        let metrics = (0..size.metrics)
            .map(|i| Metric {
                id: derive_uuid(size.seed, 2, i as u64),
                name: match (METRIC_NAMES.get(i), i / METRIC_NAMES.len()) {
                    (Some(name), _) => (*name).to_string(),
                    (None, round) => {
                        format!("{} {}", METRIC_NAMES[i % METRIC_NAMES.len()], round + 1)
                    }
                },
                price_cents: [1.0, 2.0, 5.0][i % 3],
            })
            .collect();
        Self {
            seed: size.seed,
            start: size.start.and_time(chrono::NaiveTime::MIN).and_utc(),
            hours: i64::from(size.days.min(MAX_DAYS)) * 24,
            customers,
            metrics,
        }
    }

    /// Every customer, in the order usage lists them.
    pub fn customers(&self) -> &[Customer] {
        &self.customers
    }

    /// Every billable metric, in the order usage lists them.
    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    /// The first instant with data.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after the data.
    pub fn end(&self) -> DateTime<Utc> {
        self.start + Duration::hours(self.hours)
    }

    /// The seed every id and value derives from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub(crate) fn customer_index(&self, id: Uuid) -> Option<usize> {
        self.customers.iter().position(|c| c.id == id)
    }

    pub(crate) fn metric_index(&self, id: Uuid) -> Option<usize> {
        self.metrics.iter().position(|m| m.id == id)
    }

    /// The usage of one hour (index from the dataset's start), or `None`
    /// outside the dataset.
    fn hourly(&self, customer: usize, metric: usize, hour: i64) -> Option<f64> {
        if !(0..self.hours).contains(&hour) {
            return None;
        }
        let h =
            splitmix(self.seed ^ ((customer as u64) << 40) ^ ((metric as u64) << 32) ^ hour as u64);
        Some((h % 1000) as f64 / 4.0)
    }

    /// The usage of `customer` for `metric` over `[start, end)`: the sum of
    /// the hours in it that hold data, `None` if none does.
    pub(crate) fn usage_index(
        &self,
        customer: usize,
        metric: usize,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Option<f64> {
        let first = (start - self.start).num_hours().max(0);
        let last = (end - self.start).num_hours().min(self.hours);
        (first..last)
            .filter_map(|h| self.hourly(customer, metric, h))
            .reduce(|a, b| a + b)
    }

    /// The usage of one customer and metric over `[start, end)`, by id.
    pub fn usage(
        &self,
        customer_id: Uuid,
        metric_id: Uuid,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Option<f64> {
        self.usage_index(
            self.customer_index(customer_id)?,
            self.metric_index(metric_id)?,
            start,
            end,
        )
    }

    /// The cost lines of one customer and day: `(name, group_value, cost)`,
    /// empty for a day without data.
    pub(crate) fn cost_lines(&self, customer: usize, day_start: DateTime<Utc>) -> Vec<CostLine> {
        let day_end = day_start + Duration::days(1);
        if day_start < self.start || day_end > self.end() {
            return Vec::new();
        }
        let mut lines = Vec::new();
        for (m, metric) in self.metrics.iter().enumerate() {
            let cost = self
                .usage_index(customer, m, day_start, day_end)
                .unwrap_or(0.0)
                * metric.price_cents;
            if m == 0 {
                for (region, share) in REGIONS {
                    lines.push(CostLine {
                        name: metric.name.clone(),
                        group: Some(Some(region.to_string())),
                        cost: cost * share,
                    });
                }
            } else {
                lines.push(CostLine {
                    name: metric.name.clone(),
                    group: None,
                    cost,
                });
            }
        }
        lines.push(CostLine {
            name: "Platform fee".to_string(),
            group: Some(None),
            cost: PLATFORM_FEE,
        });
        lines
    }

    /// The total cost, in cents, of one customer over `[start, end)`.
    pub fn cost_total(&self, customer_id: Uuid, start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
        let Some(customer) = self.customer_index(customer_id) else {
            return 0.0;
        };
        let mut day = start;
        let mut total = 0.0;
        while day < end {
            total += self
                .cost_lines(customer, day)
                .iter()
                .map(|l| l.cost)
                .sum::<f64>();
            day += Duration::days(1);
        }
        total
    }
}

/// One line item of a day's costs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CostLine {
    pub name: String,
    /// `None`: no group; `Some(None)`: grouped by region, but no region.
    pub group: Option<Option<String>>,
    pub cost: f64,
}

/// A stable, well-mixed 64-bit hash (splitmix64's finaliser).
pub(crate) fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

pub(crate) fn derive_uuid(seed: u64, kind: u64, index: u64) -> Uuid {
    let hi = splitmix(seed ^ (kind << 56) ^ index);
    let lo = splitmix(hi ^ 0x5bd1_e995);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_be_bytes());
    bytes[8..].copy_from_slice(&lo.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
        let a = Dataset::new(&DatasetSize::default());
        let b = Dataset::new(&DatasetSize::default());
        let c = Dataset::new(&DatasetSize {
            seed: 7,
            ..DatasetSize::default()
        });
        assert_eq!(a.customers(), b.customers());
        assert_ne!(a.customers()[0].id, c.customers()[0].id);
        assert_eq!(a.customers()[0].id.get_version_num(), 4);
    }

    #[test]
    fn aggregates_add_up_exactly() {
        let data = Dataset::new(&DatasetSize::default());
        let start = data.start();
        let day = |d: i64| start + Duration::days(d);
        for metric in 0..2 {
            let days: f64 = (0..7)
                .map(|d| data.usage_index(1, metric, day(d), day(d + 1)).unwrap())
                .sum();
            let hours: f64 = (0..24 * 7)
                .map(|h| {
                    data.usage_index(
                        1,
                        metric,
                        start + Duration::hours(h),
                        start + Duration::hours(h + 1),
                    )
                    .unwrap()
                })
                .sum();
            let whole = data.usage_index(1, metric, day(0), day(7)).unwrap();
            assert_eq!(days, whole);
            assert_eq!(hours, whole);
        }
        assert_eq!(
            data.usage_index(0, 0, day(7), day(8)),
            None,
            "no data after the last day"
        );
        assert_eq!(
            data.usage_index(0, 0, day(-1), day(0)),
            None,
            "no data before the first day"
        );
    }

    #[test]
    fn costs_are_usage_times_price_plus_the_fee() {
        let data = Dataset::new(&DatasetSize::default());
        let (start, end) = (data.start(), data.start() + Duration::days(1));
        let customer = data.customers()[0].id;
        let expected: f64 = data
            .metrics()
            .iter()
            .map(|m| data.usage(customer, m.id, start, end).unwrap() * m.price_cents)
            .sum::<f64>()
            + PLATFORM_FEE;
        assert_eq!(data.cost_total(customer, start, end), expected);
    }
}

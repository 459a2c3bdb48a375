//! Shared fixtures for the workspace's integration tests: a generated
//! client pointed at a loopback mock server, and request values used
//! across test files.

use chrono::{DateTime, Utc};
use metronome_api::{Client, ClientState, types};

/// The token every test client sends, and every mock expects.
pub const TOKEN: &str = "test-token";

/// A customer id used throughout the fixtures.
pub const CUSTOMER: &str = "d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc";

/// A billable metric id used throughout the fixtures.
pub const METRIC: &str = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e";

/// A generated client that talks to `base_url` with [`TOKEN`].
pub fn client(base_url: &str) -> Client {
    let state = ClientState::new()
        .with_bearer_token(TOKEN)
        .expect("the test token is a valid header value");
    Client::new_with_client(base_url, metronome_api::reqwest::Client::new(), state)
}

/// Parses an RFC 3339 timestamp; panics on a typo in a fixture.
pub fn at(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().expect("fixture timestamps are RFC 3339")
}

/// The usage request the tests send: January 2024, daily windows, one
/// customer, one metric grouped by region.
pub fn usage_request() -> types::UsageListRequest {
    types::UsageListRequest::builder()
        .starting_on(at("2024-01-01T00:00:00Z"))
        .ending_before(at("2024-02-01T00:00:00Z"))
        .window_size(types::WindowSize::Day)
        .customer_ids(vec![CUSTOMER.parse().expect("fixture uuid")])
        .billable_metrics(vec![
            types::BillableMetricFilter::builder()
                .id(METRIC.parse::<uuid::Uuid>().expect("fixture uuid"))
                .group_by(Some(
                    types::GroupByFilter::builder()
                        .key("region")
                        .values(vec![
                            "eu-west".parse().expect("non-empty"),
                            "us-east".parse().expect("non-empty"),
                        ])
                        .try_into()
                        .expect("a complete group_by"),
                ))
                .try_into()
                .expect("a complete metric filter"),
        ])
        .try_into()
        .expect("a complete usage request")
}

/// The README's Rust examples, compiled as doc-tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

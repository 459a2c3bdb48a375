//! Property tests: what holds for every input, not just the ones we
//! thought of.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use metronome_client::types::{
    CreditTypeCost, CustomerCostWindow, CustomerCostsResponse, ErrorResponse, LineItemBreakdown,
    UsageAggregate, UsageListResponse,
};
use metronome_client::{Client, Error};
use proptest::prelude::*;
use serde_json::Value;

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[a-z_]{0,12}".prop_map(Value::from),
        Just(Value::from("2024-01-01T00:00:00Z")),
        Just(Value::from("d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc")),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = prop_oneof![
            Just("data".to_string()),
            Just("next_page".to_string()),
            Just("value".to_string()),
            Just("groups".to_string()),
            Just("credit_types".to_string()),
            Just("message".to_string()),
            "[a-z_]{1,10}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(keys, inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_time() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800).prop_map(|s| Utc.timestamp_opt(s, 0).unwrap())
}

fn arb_number() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
}

fn arb_row() -> impl Strategy<Value = UsageAggregate> {
    (
        any::<u128>(),
        any::<u128>(),
        ".{0,20}",
        arb_time(),
        arb_time(),
        proptest::option::of(arb_number()),
        prop::collection::btree_map(".{0,8}", proptest::option::of(arb_number()), 0..4),
    )
        .prop_map(
            |(metric, customer, name, start, end, value, groups)| UsageAggregate {
                billable_metric_id: uuid::Uuid::from_u128(metric),
                billable_metric_name: name,
                customer_id: uuid::Uuid::from_u128(customer),
                start_timestamp: start,
                end_timestamp: end,
                value,
                groups,
            },
        )
}

fn arb_cost_window() -> impl Strategy<Value = CustomerCostWindow> {
    let line = (
        arb_number(),
        ".{0,10}",
        proptest::option::of(".{0,6}"),
        proptest::option::of(".{0,6}"),
    )
        .prop_map(|(cost, name, group_key, group_value)| LineItemBreakdown {
            cost,
            name,
            group_key,
            group_value,
        });
    let credit = (
        proptest::option::of(arb_number()),
        proptest::option::of(".{0,10}"),
        prop::collection::vec(line, 0..3),
    )
        .prop_map(|(cost, name, line_item_breakdown)| CreditTypeCost {
            cost,
            name,
            line_item_breakdown,
        });
    (
        prop::collection::btree_map(".{0,8}", credit, 0..3),
        arb_time(),
        arb_time(),
    )
        .prop_map(
            |(credit_types, start_timestamp, end_timestamp)| CustomerCostWindow {
                credit_types,
                start_timestamp,
                end_timestamp,
            },
        )
}

/// Adds a key no version of the API description has, at the top and in
/// every object of `data`.
fn with_unknown_fields(mut value: Value) -> Value {
    value["field_from_the_future"] = serde_json::json!({"nested": [1, null]});
    if let Some(items) = value["data"].as_array_mut() {
        for item in items {
            item["another_new_field"] = Value::from("ignored");
        }
    }
    value
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = serde_json::from_slice::<UsageListResponse>(&bytes);
        let _ = serde_json::from_slice::<CustomerCostsResponse>(&bytes);
        let _ = serde_json::from_slice::<ErrorResponse>(&bytes);
    }

    #[test]
    fn decoding_arbitrary_json_never_panics(value in arb_json()) {
        let bytes = serde_json::to_vec(&value).unwrap();
        let _ = serde_json::from_slice::<UsageListResponse>(&bytes);
        let _ = serde_json::from_slice::<CustomerCostsResponse>(&bytes);
        let _ = serde_json::from_slice::<ErrorResponse>(&bytes);
    }

    #[test]
    fn usage_pages_survive_a_round_trip_with_unknown_fields(
        data in prop::collection::vec(arb_row(), 0..5),
        next_page in proptest::option::of(".{0,30}"),
    ) {
        let page = UsageListResponse { data, next_page };
        let json = with_unknown_fields(serde_json::to_value(&page).unwrap());
        let back: UsageListResponse = serde_json::from_value(json).unwrap();
        prop_assert_eq!(back, page);
    }

    #[test]
    fn cost_pages_survive_a_round_trip_with_unknown_fields(
        data in prop::collection::vec(arb_cost_window(), 0..4),
        next_page in proptest::option::of(".{0,30}"),
    ) {
        let page = CustomerCostsResponse { data, next_page };
        let json = with_unknown_fields(serde_json::to_value(&page).unwrap());
        let back: CustomerCostsResponse = serde_json::from_value(json).unwrap();
        prop_assert_eq!(back, page);
    }
}

/// A client whose requests can only fail to connect: a valid request
/// becomes a connection error (it went out), an invalid one an
/// invalid-request error (nothing went out).
fn unreachable_client() -> Client {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Client::builder()
        .bearer_token("t")
        .base_url(format!("http://127.0.0.1:{port}"))
        .max_retries(0)
        .build()
        .unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn any_window_size_either_goes_out_or_is_refused_first(window_size in ".{0,12}") {
        let valid = ["HOUR", "DAY", "NONE"].contains(&window_size.trim().to_ascii_uppercase().as_str());
        let result = rt().block_on(unreachable_client().usage().list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", window_size.as_str()).send());
        match result {
            Err(Error::InvalidRequest(_)) => prop_assert!(!valid),
            Err(Error::Connection { .. }) => prop_assert!(valid),
            other => prop_assert!(false, "unexpected {:?}", other.map(|p| p.data.len())),
        }
    }

    #[test]
    fn any_limit_either_goes_out_or_is_refused_first(limit in any::<u32>()) {
        let result = rt().block_on(
            unreachable_client()
                .customers()
                .list_costs("d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc", "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")
                .limit(u64::from(limit))
                .send(),
        );
        match result {
            Err(Error::InvalidRequest(message)) => prop_assert!(!(1..=100).contains(&limit), "{}", message),
            Err(Error::Connection { .. }) => prop_assert!((1..=100).contains(&limit)),
            other => prop_assert!(false, "unexpected {:?}", other.map(|p| p.data.len())),
        }
    }

    #[test]
    fn any_customer_id_and_dates_either_go_out_or_are_refused_first(
        customer in prop_oneof![".{0,40}", Just("d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc".to_string()), "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"],
        start in prop_oneof![".{0,30}", Just("2024-01-01T00:00:00Z".to_string())],
        end in prop_oneof![".{0,30}", Just("2024-01-02T00:00:00Z".to_string()), Just("2023-12-31T00:00:00Z".to_string())],
    ) {
        let parsed = |t: &str| DateTime::parse_from_rfc3339(t.trim()).ok();
        let valid = uuid::Uuid::parse_str(customer.trim()).is_ok()
            && matches!((parsed(&start), parsed(&end)), (Some(s), Some(e)) if s < e);
        let result = rt().block_on(unreachable_client().customers().list_costs(customer.as_str(), start.as_str(), end.as_str()).send());
        match result {
            Err(Error::InvalidRequest(_)) => prop_assert!(!valid),
            Err(Error::Connection { .. }) => prop_assert!(valid),
            other => prop_assert!(false, "unexpected {:?}", other.map(|p| p.data.len())),
        }
    }
}

#[test]
fn the_round_trip_keeps_nulls_as_nulls() {
    let row = UsageAggregate {
        billable_metric_id: uuid::Uuid::nil(),
        billable_metric_name: "m".into(),
        customer_id: uuid::Uuid::nil(),
        start_timestamp: Utc.timestamp_opt(0, 0).unwrap(),
        end_timestamp: Utc.timestamp_opt(3600, 0).unwrap(),
        value: None,
        groups: BTreeMap::from([("eu".to_string(), None)]),
    };
    let json = serde_json::to_value(&row).unwrap();
    assert_eq!(
        json["value"],
        Value::Null,
        "null is sent as null, not dropped"
    );
    assert_eq!(json["groups"]["eu"], Value::Null);
}

/// How a walk is split, if it is.
#[derive(Debug, Clone)]
enum Split {
    None,
    ByCustomers(usize, Option<usize>),
    ByTime(usize, Option<usize>),
}

fn arb_split() -> impl Strategy<Value = Split> {
    let concurrency = prop::option::of(any::<usize>());
    prop_oneof![
        Just(Split::None),
        (any::<usize>(), concurrency.clone()).prop_map(|(n, c)| Split::ByCustomers(n, c)),
        (any::<usize>(), concurrency).prop_map(|(n, c)| Split::ByTime(n, c)),
    ]
}

fn arb_duration() -> impl Strategy<Value = std::time::Duration> {
    prop_oneof![
        Just(std::time::Duration::ZERO),
        Just(std::time::Duration::MAX),
        (0u64..10, 0u32..1_000_000_000).prop_map(|(s, n)| std::time::Duration::new(s, n)),
        any::<(u64, u32)>().prop_map(|(s, n)| std::time::Duration::new(s, n % 1_000_000_000)),
    ]
}

/// A period of whole days around the mock's 6 (2024-01-01 on), or one
/// ending on the last midnight there is.
fn arb_period() -> impl Strategy<Value = (DateTime<Utc>, DateTime<Utc>)> {
    let start: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
    prop_oneof![
        4 => (-2i64..9, -2i64..9).prop_map(move |(a, b)| {
            (start + chrono::TimeDelta::days(a), start + chrono::TimeDelta::days(b))
        }),
        1 => (1i64..9).prop_map(|d| {
            let last = DateTime::<Utc>::MAX_UTC.date_naive().and_time(chrono::NaiveTime::MIN).and_utc();
            (last - chrono::TimeDelta::days(d), last)
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Any value a caller can give the walk's setters, a partition and the
    /// retry policy: no panic; a walk that completes delivers each row at
    /// most once (all of them without `max_pages`), or the call fails with
    /// `InvalidRequest`/`Config` before anything is sent. A policy that
    /// asks for an endless wait may still be waiting when the test looks.
    #[test]
    fn any_walk_setting_and_policy_walks_or_is_refused_never_panics(
        prefetch in prop_oneof![0usize..4, any::<usize>()],
        max_pages in prop::option::of(prop_oneof![0u64..5, any::<u64>()]),
        split in arb_split(),
        (start, end) in arb_period(),
        retries in prop_oneof![0u32..3, any::<u32>()],
        initial in arb_duration(),
        max in arb_duration(),
        jitter in prop_oneof![any::<f64>(), 0.0..1.0f64],
    ) {
        let outcome = rt().block_on(async {
            let mock = metronome_mock::MockMetronome::builder()
                .customers(3)
                .metrics(1)
                .days(6)
                .usage_page_size(2)
                .start()
                .await;
            // One failure first, so the policy's waits are computed.
            mock.faults().push(metronome_mock::Fault::status(503));
            let ids: Vec<_> = mock.dataset().customers().iter().map(|c| c.id).collect();
            let policy = metronome_client::RetryPolicy::default()
                .max_retries(retries)
                .initial_backoff(initial)
                .max_backoff(max)
                .jitter(jitter);
            let client = match Client::builder()
                .bearer_token(mock.token())
                .base_url(mock.base_url())
                .retry_policy(policy)
                .build()
            {
                Ok(client) => client,
                Err(e) => return Some((Err(e), 0, mock.request_count())),
            };
            let mut list = client.usage().list(start, end, "day").customer_ids(ids).prefetch(prefetch);
            if let Some(n) = max_pages {
                list = list.max_pages(n);
            }
            let stream = match split {
                Split::None => list.stream(),
                Split::ByCustomers(n, c) => {
                    let parts = list.partition_by_customers(n);
                    match c { Some(c) => parts.concurrency(c).stream(), None => parts.stream() }
                }
                Split::ByTime(n, c) => {
                    let parts = list.partition_by_time(n);
                    match c { Some(c) => parts.concurrency(c).stream(), None => parts.stream() }
                }
            };
            let rows = futures::TryStreamExt::try_collect::<Vec<_>>(stream);
            let rows = tokio::time::timeout(std::time::Duration::from_millis(500), rows).await.ok()?;
            // What a plain walk of the same period returns, for comparison.
            let whole = if rows.is_ok() {
                let plain = Client::builder().bearer_token(mock.token()).base_url(mock.base_url()).build().unwrap()
                    .usage().list(start, end, "day").prefetch(0).stream();
                futures::TryStreamExt::try_collect::<Vec<_>>(plain).await.map_or(0, |w| w.len())
            } else {
                0
            };
            Some((rows, whole, mock.request_count()))
        });
        let Some((rows, whole, requests)) = outcome else {
            // Still waiting out the policy's backoff: allowed, not a panic.
            return Ok(());
        };
        match rows {
            Ok(rows) => {
                let mut keys: Vec<_> = rows.iter().map(|r| (r.customer_id, r.start_timestamp)).collect();
                keys.sort();
                let before = keys.len();
                keys.dedup();
                prop_assert_eq!(keys.len(), before, "a row delivered twice");
                if max_pages.is_none() {
                    prop_assert_eq!(before, whole, "a complete walk has every row");
                }
            }
            Err(Error::InvalidRequest(_)) | Err(Error::Config(_)) => {
                prop_assert_eq!(requests, 0, "refused before anything was sent");
            }
            // With no retries, the one injected failure is the answer.
            Err(Error::Api(e)) if retries == 0 => prop_assert_eq!(e.status.as_u16(), 503),
            Err(other) => prop_assert!(false, "unexpected {other}"),
        }
    }
}

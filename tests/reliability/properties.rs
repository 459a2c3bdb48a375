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

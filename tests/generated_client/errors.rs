//! Every 4xx and 5xx shares one body, `{"message": string}`.

use httpmock::prelude::*;
use metronome_api::Error;
use metronome_integration_tests::{CUSTOMER, at, client, usage_request};
use serde_json::json;

async fn costs_error(status: u16, message: &str) -> Error<metronome_api::types::ErrorResponse> {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(status)
                .header("retry-after", "0")
                .json_body(json!({"message": message}));
        })
        .await;
    client(&server.base_url())
        .customers_list_costs()
        .customer_id(CUSTOMER)
        .starting_on(at("2024-01-01T00:00:00Z"))
        .ending_before(at("2024-02-01T00:00:00Z"))
        .send()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_400_404_and_429_carry_status_message_and_headers() {
    for (status, message) in [
        (400, "starting_on must be before ending_before"),
        (404, "customer not found"),
        (429, "slow down"),
    ] {
        match costs_error(status, message).await {
            Error::ErrorResponse(rv) => {
                assert_eq!(rv.status(), status);
                assert_eq!(rv.message, message);
                assert_eq!(rv.headers()["retry-after"], "0");
            }
            other => panic!("{status}: expected an error response, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_5xx_on_the_post_endpoint_decodes_the_same_body() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/usage");
            then.status(503).json_body(json!({"message": "try again"}));
        })
        .await;

    let err = client(&server.base_url())
        .usage_list()
        .body(usage_request())
        .send()
        .await
        .unwrap_err();

    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert!(
        matches!(&err, Error::ErrorResponse(rv) if rv.message == "try again"),
        "{err:?}"
    );
}

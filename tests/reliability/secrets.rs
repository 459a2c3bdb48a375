//! The token in every place it could leak: Debug and Display of everything
//! a caller holds (everything logged at TRACE during a failing walk is
//! checked in the `logs` test binary).

use std::time::Duration;

use metronome_client::{Client, Error};
use metronome_mock::{Fault, MockMetronome};

const SECRET: &str = "sk-live-0123456789abcdef";

#[tokio::test]
async fn no_error_kind_shows_the_token() {
    let mock = MockMetronome::builder().token(SECRET).start().await;
    let client = Client::builder()
        .bearer_token(SECRET)
        .base_url(mock.base_url())
        .max_retries(0)
        .timeout(Duration::from_millis(100))
        .max_response_bytes(64)
        .build()
        .unwrap();
    let week = || {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
    };
    let mut errors = vec![];
    for fault in [
        Fault::status(401),
        Fault::Delay(Duration::from_millis(300)),
        Fault::MalformedBody("{".into()),
        Fault::DropConnection,
    ] {
        mock.faults().push(fault);
        errors.push(week().send().await.unwrap_err());
    }
    errors.push(week().send().await.unwrap_err());
    errors.push(
        client
            .customers()
            .list_costs("nope", "x", "y")
            .send()
            .await
            .unwrap_err(),
    );
    errors.push(
        Client::builder()
            .bearer_token(SECRET)
            .base_url("ftp://x")
            .build()
            .unwrap_err(),
    );
    assert!(
        matches!(
            errors.as_slice(),
            [
                Error::Api(_),
                Error::Timeout { .. },
                Error::Decode(_),
                Error::Connection { .. },
                Error::ResponseTooLarge { .. },
                Error::InvalidRequest(_),
                Error::Config(_)
            ]
        ),
        "one error of each kind: {errors:?}"
    );
    for err in &errors {
        for text in [
            format!("{err}"),
            format!("{err:?}"),
            format!("{:?}", std::error::Error::source(err)),
        ] {
            assert!(!text.contains(SECRET), "{text}");
        }
    }
}

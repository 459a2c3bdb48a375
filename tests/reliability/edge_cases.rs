//! What a misbehaving server gets, page by page: each case has one
//! documented outcome, reached without a panic or an endless loop.

use std::time::Duration;

use futures::StreamExt;
use metronome_client::{Client, Error};
use metronome_mock::{Fault, MockMetronome};

fn client(mock: &MockMetronome) -> Client {
    Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .max_retries(2)
        .build()
        .unwrap()
}

/// Walks a week of usage in pages of 10 (5 pages) with `fault` on the
/// second request; returns pages (as item counts) and errors in order.
async fn walk_with(fault: Fault) -> (Vec<Result<usize, Error>>, MockMetronome) {
    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    let client = client(&mock);
    let list = || {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
            .prefetch(0)
    };
    let mut pages = list().pages();
    let mut out = vec![pages.next().await.unwrap().map(|p| p.data.len())];
    mock.faults().push(fault);
    let rest = tokio::time::timeout(
        Duration::from_secs(10),
        pages.map(|r| r.map(|p| p.data.len())).collect::<Vec<_>>(),
    )
    .await
    .expect("the walk ends");
    out.extend(rest);
    (out, mock)
}

#[tokio::test]
async fn a_repeated_cursor_ends_with_repeated_cursor() {
    let (pages, _) = walk_with(Fault::RepeatCursor).await;
    assert!(
        matches!(
            pages.as_slice(),
            [Ok(10), Ok(10), Err(Error::RepeatedCursor { page: 2, .. })]
        ),
        "{pages:?}"
    );
}

#[tokio::test]
async fn an_empty_page_with_a_cursor_is_crossed() {
    let (pages, _) = walk_with(Fault::EmptyPageWithCursor).await;
    let sizes: Vec<_> = pages.into_iter().map(Result::unwrap).collect();
    assert_eq!(sizes, [10, 0, 10, 10, 10, 2]);
}

#[tokio::test]
async fn bodies_that_do_not_decode_end_with_a_decode_error_on_their_page() {
    let wrong_shape = r#"{"data": 5, "next_page": null}"#.to_string();
    let cases = [
        ("truncated", Fault::TruncatedBody),
        ("not json", Fault::MalformedBody("<html>busy</html>".into())),
        ("wrong shape", Fault::MalformedBody(wrong_shape)),
        ("empty", Fault::MalformedBody(String::new())),
    ];
    for (name, fault) in cases {
        let (pages, mock) = walk_with(fault).await;
        let [Ok(10), Err(Error::Decode(decode))] = pages.as_slice() else {
            panic!("{name}: {pages:?}")
        };
        assert_eq!(
            (
                decode.status.map(|s| s.as_u16()),
                decode.context.page,
                decode.context.attempts
            ),
            (Some(200), Some(2), 1),
            "{name}"
        );
        assert_eq!(mock.request_count(), 2, "{name}: a 200 is never retried");
    }
}

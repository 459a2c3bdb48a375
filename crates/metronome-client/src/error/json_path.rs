//! Where in a JSON body a decode failed, as a path (`data[1].value`),
//! found from the position serde_json reports rather than by decoding the
//! body a second time through a path-tracking deserializer.
//!
//! Why by position: a path-tracking decode is generic over the decoded
//! type, so each response type's whole `Deserialize` would be compiled a
//! second time. Reading the path off the bytes is one small function,
//! compiled once here. The paths agree with
//! `serde_path_to_error`'s (`tests/client/errors.rs` checks them against
//! it for every value of real pages).

/// The path of the value at which decoding `body` failed with `error`:
/// `.` for the whole document, `data[3].timestamp` for a member of an
/// item of `data`. An error that carries no position (line 0) is placed
/// at the root.
pub(crate) fn path_of(body: &[u8], error: &serde_json::Error) -> String {
    if error.line() == 0 {
        return ".".to_string();
    }
    path_at(body, offset(body, error.line(), error.column()))
}

/// The byte offset of a 1-based line and a column counted in bytes, as
/// serde_json reports them (the column is the number of the line's bytes
/// read when the error was found).
fn offset(body: &[u8], line: usize, column: usize) -> usize {
    let mut start = 0;
    if line > 1 {
        let newlines = body.iter().enumerate().filter(|(_, b)| **b == b'\n');
        match newlines.map(|(i, _)| i).nth(line - 2) {
            Some(newline) => start = newline + 1,
            None => return body.len(),
        }
    }
    start.saturating_add(column).min(body.len())
}

/// One step of a path.
#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// A container being read: an object and the key of the member being
/// read, or an array and the index of the item being read.
enum Frame {
    Object(Option<String>),
    Array(Option<usize>),
}

/// The path of the value the reader was in, or had just finished, when it
/// reached `end`.
///
/// Linear in the body: the path is built once, at the end, from the
/// stack of containers (each key copied once, into its frame). The stack
/// always says where the reader is, a value just finished included: its
/// key or index stays in its container's frame until a `,` or the next
/// key replaces it.
fn path_at(body: &[u8], end: usize) -> String {
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end && i < body.len() {
        match body[i] {
            b' ' | b'\n' | b'\r' | b'\t' => i += 1,
            b'{' | b'[' => {
                begin_value(&mut stack);
                stack.push(if body[i] == b'{' {
                    Frame::Object(None)
                } else {
                    Frame::Array(None)
                });
                i += 1;
            }
            b'}' | b']' => {
                stack.pop();
                i += 1;
            }
            b',' => {
                if let Some(Frame::Object(key)) = stack.last_mut() {
                    *key = None;
                }
                i += 1;
            }
            b':' => i += 1,
            b'"' => {
                let (close, closed) = string_end(body, i);
                let is_key = matches!(stack.last(), Some(Frame::Object(None)));
                if is_key {
                    let text_end = if closed { close - 1 } else { close };
                    let key = unescape(&String::from_utf8_lossy(&body[i + 1..text_end]));
                    if let Some(Frame::Object(slot)) = stack.last_mut() {
                        *slot = Some(key);
                    }
                } else {
                    begin_value(&mut stack);
                }
                i = close;
            }
            _ => {
                // A number, `true`, `false`, `null`, or something that is
                // not JSON: read to the next delimiter.
                begin_value(&mut stack);
                while i < body.len() && !b" \n\r\t,:]}[{\"".contains(&body[i]) {
                    i += 1;
                }
                if i < body.len() && b"[{\"".contains(&body[i]) {
                    // Not JSON: stop here rather than read on.
                    break;
                }
            }
        }
    }
    render(&steps(&stack))
}

/// A value begins in the innermost container: an array moves to its next
/// index.
fn begin_value(stack: &mut [Frame]) {
    if let Some(Frame::Array(index)) = stack.last_mut() {
        *index = Some(index.map_or(0, |n| n + 1));
    }
}

/// The offset just after the string that starts at `start` (after its
/// closing quote), and whether it is closed (else: the end of the body).
fn string_end(body: &[u8], start: usize) -> (usize, bool) {
    let mut i = start + 1;
    while i < body.len() {
        match body[i] {
            b'\\' => i += 2,
            b'"' => return (i + 1, true),
            _ => i += 1,
        }
    }
    (body.len(), false)
}

/// A key's text, with JSON escapes resolved where they are valid.
fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    serde_json::from_str::<String>(&format!("\"{raw}\"")).unwrap_or_else(|_| raw.to_string())
}

/// The path of the slot being read in each container of `stack`.
fn steps(stack: &[Frame]) -> Vec<Step> {
    stack
        .iter()
        .filter_map(|frame| match frame {
            Frame::Object(key) => key.clone().map(Step::Key),
            Frame::Array(index) => index.map(Step::Index),
        })
        .collect()
}

/// Characters of one key a path shows.
const KEY_CHARS: usize = 64;
/// Characters of a whole path: its start and its end are kept, the middle
/// of a longer one is `…`.
const PATH_CHARS: usize = 512;

/// `serde_path_to_error`'s notation: keys joined by dots, indices in
/// brackets, `.` for the root. Keys come from the server: each shows at
/// most [`KEY_CHARS`] characters, control and invisible characters
/// escaped, and the path at most about [`PATH_CHARS`].
fn render(steps: &[Step]) -> String {
    if steps.is_empty() {
        return ".".to_string();
    }
    let mut out = String::new();
    for (n, step) in steps.iter().enumerate() {
        match step {
            Step::Key(key) => {
                if n > 0 {
                    out.push('.');
                }
                out.push_str(&super::printable(key, KEY_CHARS));
            }
            Step::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    let count = out.chars().count();
    if count > PATH_CHARS {
        let head: String = out.chars().take(PATH_CHARS / 4).collect();
        let tail: String = out.chars().skip(count - PATH_CHARS * 3 / 4).collect();
        out = format!("{head}…{tail}");
    }
    out
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Row {
        id: uuid::Uuid,
        at: chrono::DateTime<chrono::Utc>,
        value: Option<f64>,
        kind: Kind,
        tags: Vec<String>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Usage,
        Credit,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Page {
        data: Vec<Row>,
        next_page: Option<String>,
    }

    fn both(body: &str) -> (String, String) {
        let expected = serde_path_to_error::deserialize::<_, Page>(
            &mut serde_json::Deserializer::from_str(body),
        )
        .expect_err(body)
        .path()
        .to_string();
        let error = serde_json::from_str::<Page>(body).expect_err(body);
        (super::path_of(body.as_bytes(), &error), expected)
    }

    const ROW: &str = r#"{"id":"0e5b8609-d901-4992-b394-c3c2e3f37b1c","at":"2024-01-01T00:00:00Z","value":1.5,"kind":"usage","tags":["a","b"]}"#;

    #[test]
    fn paths_agree_with_a_path_tracking_decode() {
        let bad_rows = [
            r#"{"id":"nope","at":"2024-01-01T00:00:00Z","value":1,"kind":"usage","tags":[]}"#,
            r#"{"id":"0e5b8609-d901-4992-b394-c3c2e3f37b1c","at":"yesterday","value":1,"kind":"usage","tags":[]}"#,
            r#"{"id":"0e5b8609-d901-4992-b394-c3c2e3f37b1c","at":"2024-01-01T00:00:00Z","value":"1","kind":"usage","tags":[]}"#,
            r#"{"id":"0e5b8609-d901-4992-b394-c3c2e3f37b1c","at":"2024-01-01T00:00:00Z","value":1,"kind":"seat","tags":[]}"#,
            r#"{"id":"0e5b8609-d901-4992-b394-c3c2e3f37b1c","at":"2024-01-01T00:00:00Z","value":1,"kind":"usage","tags":["a",2]}"#,
            r#"{"id":"0e5b8609-d901-4992-b394-c3c2e3f37b1c","at":"2024-01-01T00:00:00Z","value":1,"kind":"usage"}"#,
            r#"{"id":"0e5b8609-d901-4992-b394-c3c2e3f37b1c","at":"2024-01-01T00:00:00Z","value":1,"kind":"usage","tags":{}}"#,
            r#"{"id":"0e5b8609-d901-4992-b394-c3c2e3f37b1c","at":"2024-01-01T00:00:00Z","value":{"a":[1,{"b":2}]},"kind":"usage","tags":[]}"#,
            r#"[]"#,
            r#"7"#,
            r#"{"id" : "0e5b8609-d901-4992-b394-c3c2e3f37b1c" , "at":null}"#,
        ];
        for bad in bad_rows {
            for body in [
                format!(r#"{{"data":[{bad}],"next_page":null}}"#),
                format!(
                    "{{\n  \"data\": [\n    {ROW},\n    {bad}\n  ],\n  \"next_page\": null\n}}"
                ),
                format!(r#"{{"next_page":"c","data":[{ROW},{ROW},{bad},{ROW}]}}"#),
            ] {
                let (found, expected) = both(&body);
                assert_eq!(found, expected, "{body}");
            }
        }
        for body in [
            r#"{"data":{},"next_page":null}"#,
            r#"{"data":[],"next_page":7}"#,
            r#"{"next_page":null}"#,
            r#"[]"#,
            r#"{"data":["#,
            r#"{"data":[{"id":"0e5b8609"#,
            "",
        ] {
            let (found, expected) = both(body);
            assert_eq!(found, expected, "{body}");
        }
        // A key given twice: the path-tracking decode says `.`; this names
        // the key.
        let twice = r#"{"data":[],"next_page":null,"data":[]}"#;
        assert_eq!(both(twice), ("data".to_string(), ".".to_string()));
        // Text after the document: the document as a whole.
        let trailing = r#"{"data":[],"next_page":null} trailing"#;
        let error = serde_json::from_str::<Page>(trailing).unwrap_err();
        assert_eq!(super::path_of(trailing.as_bytes(), &error), ".");
    }

    #[test]
    fn keys_with_escapes_and_odd_bytes_never_panic() {
        let cases: [&[u8]; 6] = [
            br#"{"da\"ta":[1]}"#,
            br#"{"d\u0061ta":[{"id":1}]}"#,
            b"{\"data\":[\xff\xfe]}",
            br#"{"data":[{"id":"\"#,
            br#"{"#,
            br#"}}}]]]"#,
        ];
        for body in cases {
            for end in 0..=body.len() + 2 {
                let _ = super::path_at(body, end);
            }
            if let Err(error) = serde_json::from_slice::<Page>(body) {
                let _ = super::path_of(body, &error);
            }
        }
        assert_eq!(
            super::path_at(br#"{"d\u0061ta":[{"id":1}]}"#, 21),
            "data[0].id"
        );
    }

    mod hostile {
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

            /// Whatever a server sends and wherever an error is placed,
            /// finding the path returns.
            #[test]
            fn any_bytes_at_any_position(
                body in proptest::collection::vec(
                    prop_oneof![
                        Just(b'"'), Just(b'\\'), Just(b'{'), Just(b'}'), Just(b'['),
                        Just(b']'), Just(b','), Just(b':'), Just(b'\n'), any::<u8>(),
                    ],
                    0..48,
                ),
                end in 0usize..64,
                line in 0usize..4,
                column in 0usize..64,
            ) {
                let _ = super::super::path_at(&body, end);
                let _ = super::super::offset(&body, line.max(1), column);
            }
        }
    }

    /// The search is linear in the body: a 4 MiB key over 50,000 values,
    /// then the field that fails, took 29–57 s when each value copied the
    /// path so far (the key included). The budget grows with the body and
    /// is far above a linear scan, far below the quadratic one.
    #[test]
    fn a_long_key_over_many_values_is_searched_in_linear_time() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Page {
            data: Vec<u8>,
        }
        let key = "k".repeat(4 << 20);
        let values = vec!["0"; 50_000].join(",");
        let body = format!(r#"{{"{key}":[{values}],"data":"wrong"}}"#);
        let error = serde_json::from_str::<Page>(&body).unwrap_err();
        let started = std::time::Instant::now();
        let path = super::path_of(body.as_bytes(), &error);
        let took = started.elapsed();
        assert_eq!(path, "data");
        let mib = body.len() as f64 / f64::from(1 << 20);
        let budget = std::time::Duration::from_secs_f64(5.0 + mib);
        assert!(
            took < budget,
            "{took:?} for {mib:.1} MiB (budget {budget:?})"
        );
    }
}

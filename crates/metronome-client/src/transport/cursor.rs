//! A page's next cursor read from its bytes as they arrive, before the
//! page is decoded: what lets a walk send its next request while the page
//! is still being decoded (the read-ahead in [`super::retry`]).

/// The next cursor of a page, read from its bytes without decoding the
/// page: `Some(Some(cursor))`, `Some(None)` on the last page (the field
/// null, empty or absent), `None` when it cannot be told (not JSON, the
/// field twice, not a string): the walk then waits for the decoded page.
/// Reads the JSON as serde_json reads it for the page, so the two agree.
pub(crate) fn read_cursor(body: &[u8], path: &[&str]) -> Option<Option<String>> {
    if path.is_empty() {
        // The operation's cursor is not read from the bytes (a uuid).
        return None;
    }
    // Most pages end with their cursor: read it from the end, in time
    // that does not grow with the page.
    if let [key] = path
        && let Some(found) = read_last_member(body, key)
    {
        return Some(found);
    }
    read_cursor_in_full(body, path)
}

/// The value of the top-level object's *last* member when it is `key` with
/// a string or null value, read backwards from the end of `body`: what
/// follows the value can only be the closing brace of the outermost
/// object, so the member cannot be a nested one. `None` when the body does
/// not end that way (the full read then decides).
fn read_last_member(body: &[u8], key: &str) -> Option<Option<String>> {
    let ws = |b: &u8| matches!(b, b' ' | b'\n' | b'\r' | b'\t');
    let mut end = body.len();
    let skip_ws = |end: &mut usize| {
        while *end > 0 && ws(&body[*end - 1]) {
            *end -= 1;
        }
    };
    skip_ws(&mut end);
    if end == 0 || body[end - 1] != b'}' {
        return None;
    }
    end -= 1;
    skip_ws(&mut end);
    // The value: null, or a string without escapes (anything else: the
    // full read).
    let (value, value_start) = if body[..end].ends_with(b"null") {
        (None, end - 4)
    } else if end > 0 && body[end - 1] == b'"' {
        let open = body[..end - 1].iter().rposition(|&b| b == b'"')?;
        let text = &body[open + 1..end - 1];
        if text.iter().any(|&b| b == b'\\' || b < 0x20) {
            return None;
        }
        (Some(std::str::from_utf8(text).ok()?.to_string()), open)
    } else {
        return None;
    };
    end = value_start;
    skip_ws(&mut end);
    if end == 0 || body[end - 1] != b':' {
        return None;
    }
    end -= 1;
    skip_ws(&mut end);
    // `"key"`, compared in place (no string made for it on every page).
    let name = body[..end]
        .strip_suffix(b"\"")
        .and_then(|rest| rest.strip_suffix(key.as_bytes()))
        .and_then(|rest| rest.strip_suffix(b"\""))?;
    end = name.len();
    skip_ws(&mut end);
    // A member follows another (`,`) or opens the object (`{`).
    if end == 0 || !matches!(body[end - 1], b',' | b'{') {
        return None;
    }
    Some(value.filter(|cursor| !cursor.is_empty()))
}

/// [`read_cursor`] by reading the whole body (skipping what is not on the
/// path to the cursor).
fn read_cursor_in_full(body: &[u8], path: &[&str]) -> Option<Option<String>> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

    struct Find<'p>(&'p [&'p str]);

    impl<'de> DeserializeSeed<'de> for Find<'_> {
        type Value = Option<Option<String>>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for Find<'_> {
        type Value = Option<Option<String>>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        // A null where an object with the cursor was: no next page.
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(Some(None))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let Some((&wanted, rest)) = self.0.split_first() else {
                return Ok(None);
            };
            let mut found: Option<Option<Option<String>>> = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key != wanted {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
                if found.is_some() {
                    // Twice: the typed decode refuses it; tell nothing.
                    return Ok(None);
                }
                found = Some(if rest.is_empty() {
                    match map.next_value::<serde_json::Value>()? {
                        serde_json::Value::Null => Some(None),
                        serde_json::Value::String(s) => Some(Some(s)),
                        _ => None,
                    }
                } else {
                    map.next_value_seed(Find(rest))?
                });
            }
            // Absent: no next page.
            Ok(found.unwrap_or(Some(None)))
        }
    }

    let mut json = serde_json::Deserializer::from_slice(body);
    let found = Find(path).deserialize(&mut json).ok()?;
    json.end().ok()?;
    found.map(|next| next.filter(|cursor| !cursor.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::read_cursor;

    /// A body, where the cursor is, and what should be read.
    type Case<'a> = (&'a str, &'a [&'a str], Option<Option<&'a str>>);

    #[test]
    fn a_cursor_at_the_end_is_read_from_the_end_and_agrees_with_the_full_read() {
        let top = ["next_page"];
        let cases = [
            r#"{"data":[{"next_page":"inner"}],"next_page":"c9"}"#,
            r#"{"data":[], "next_page" : "c9" } "#,
            r#"{"next_page":null}"#,
            r#"{"data":[],"next_page":""}"#,
            r#"{"data":[{"x":"a"}],"next_page":"with \"escapes\""}"#,
            r#"{"data":[{"x":"next_page"}]}"#,
            r#"{"data":[{"a":{"next_page":"inner"}}]}"#,
            r#"{"data":["\"next_page\":\"fake\"}"]}"#,
            r#"{"data":[],"other":"x"}"#,
            r#"[{"next_page":"c"}]"#,
            r#"{"data":[],"next_page":"c"}}"#,
        ];
        for body in cases {
            let quick = super::read_last_member(body.as_bytes(), "next_page");
            let full = super::read_cursor_in_full(body.as_bytes(), &top);
            if let Some(quick) = &quick {
                assert_eq!(Some(quick), full.as_ref(), "{body}");
            }
            assert_eq!(read_cursor(body.as_bytes(), &top), full, "{body}");
        }
        assert_eq!(
            super::read_last_member(br#"{"data":[1],"next_page":"c9"}"#, "next_page"),
            Some(Some("c9".into())),
            "the quick read is taken"
        );
    }

    #[test]
    fn a_cursor_is_read_as_the_decoded_page_would_have_it() {
        let top = ["next_page"];
        let nested = ["pagination", "next_page"];
        let cases: [Case; 11] = [
            (
                r#"{"data":[1,{"a":[2]}],"next_page":"c2"}"#,
                &top,
                Some(Some("c2")),
            ),
            (
                r#"{"next_page":"c\u00e9","data":[]}"#,
                &top,
                Some(Some("cé")),
            ),
            (r#"{"data":[],"next_page":null}"#, &top, Some(None)),
            (r#"{"data":[],"next_page":""}"#, &top, Some(None)),
            (r#"{"data":[]}"#, &top, Some(None)),
            (r#"{"data":[],"next_page":7}"#, &top, None),
            (r#"{"data":[],"next_page":"c"} trailing"#, &top, None),
            (r#"not json"#, &top, None),
            (
                r#"{"data":[],"pagination":{"next_page":"n"}}"#,
                &nested,
                Some(Some("n")),
            ),
            (r#"{"data":[],"pagination":null}"#, &nested, Some(None)),
            (r#"{"data":[]}"#, &nested, Some(None)),
        ];
        for (body, path, expected) in cases {
            let expected = expected.map(|c| c.map(str::to_string));
            assert_eq!(read_cursor(body.as_bytes(), path), expected, "{body}");
        }
        // A key twice: the full read tells nothing; the read from the end
        // takes the last one, and the typed decode refuses the page, which
        // ends the walk with that error either way.
        let twice = br#"{"next_page":"a","next_page":"b"}"#;
        assert_eq!(super::read_cursor_in_full(twice, &top), None);
    }

    mod hostile {
        use super::super::read_cursor;
        use proptest::prelude::*;
        use serde_json::Value;

        /// Text with what trips a hand-written reader: quotes, escapes,
        /// braces, the key itself, non-ASCII.
        fn tricky_text() -> impl Strategy<Value = String> {
            proptest::collection::vec(
                prop_oneof![
                    Just("\"".to_string()),
                    Just("\\".to_string()),
                    Just("}".to_string()),
                    Just("\"next_page\":".to_string()),
                    Just("next_page".to_string()),
                    Just("\n".to_string()),
                    Just("é☕".to_string()),
                    "[a-z0-9 =/+]{0,6}",
                ],
                0..6,
            )
            .prop_map(|parts| parts.concat())
        }

        fn value() -> impl Strategy<Value = Value> {
            let leaf = prop_oneof![
                Just(Value::Null),
                any::<bool>().prop_map(Value::Bool),
                any::<i32>().prop_map(Value::from),
                tricky_text().prop_map(Value::String),
            ];
            leaf.prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                    proptest::collection::vec((tricky_text(), inner), 0..4)
                        .prop_map(|kv| Value::Object(kv.into_iter().collect())),
                ]
            })
        }

        /// The cursor member: absent, null, or a string.
        fn cursor() -> impl Strategy<Value = Option<Value>> {
            prop_oneof![
                Just(None),
                Just(Some(Value::Null)),
                tricky_text().prop_map(|t| Some(Value::String(t))),
            ]
        }

        proptest! {
            // No failure file: it would land in the published crate's
            // folder (the failing input is in the panic message).
            #![proptest_config(ProptestConfig {
                failure_persistence: None,
                ..ProptestConfig::with_cases(512)
            })]

            /// Whatever the page holds and wherever the cursor is, the
            /// cursor read ahead is the decoded page's, or nothing.
            #[test]
            fn a_cursor_read_ahead_is_the_decoded_pages_or_nothing(
                data in proptest::collection::vec(value(), 0..4),
                extra in proptest::collection::vec((tricky_text(), value()), 0..3),
                next in cursor(),
                position in 0usize..4,
                spaces in proptest::collection::vec(prop_oneof![Just(""), Just(" "), Just("\n  ")], 8),
            ) {
                let mut members: Vec<(String, Value)> = vec![("data".into(), Value::Array(data))];
                for (key, value) in extra {
                    if key != "next_page" && key != "data" {
                        members.push((key, value));
                    }
                }
                members.dedup_by(|a, b| a.0 == b.0);
                if let Some(next) = next {
                    let at = position.min(members.len());
                    members.insert(at, ("next_page".into(), next));
                }
                let mut body = String::from("{");
                body.push_str(spaces[0]);
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        body.push(',');
                        body.push_str(spaces[(i + 1) % spaces.len()]);
                    }
                    body.push_str(&serde_json::to_string(key).unwrap());
                    body.push_str(spaces[(i + 2) % spaces.len()]);
                    body.push(':');
                    body.push_str(&serde_json::to_string(value).unwrap());
                }
                body.push_str(spaces[1]);
                body.push('}');
                body.push_str(spaces[2]);

                #[derive(serde::Deserialize)]
                struct Decoded {
                    next_page: Option<String>,
                }
                let decoded: Option<String> = serde_json::from_str::<Decoded>(&body)
                    .map(|d| d.next_page.filter(|c| !c.is_empty()))
                    .unwrap_or_else(|e| panic!("{e}: {body}"));
                if let Some(read) = read_cursor(body.as_bytes(), &["next_page"]) {
                    prop_assert_eq!(read, decoded, "{}", body);
                }
            }
        }
    }
}

//! Every operation of the description, answered and checked: requests are
//! held to `openapi.yaml` (read here from the copy the mock serves,
//! `crates/metronome-mock/src/generated/description.json`), answers are
//! made from it, pages page, and entities agree by id.

use metronome_mock::{MockMetronome, UnknownIds};
use serde_json::{Value, json};

const DESCRIPTION: &str =
    include_str!("../../crates/metronome-mock/src/generated/description.json");

async fn send(mock: &MockMetronome, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}{path}", mock.base_url());
    let method: reqwest::Method = method.to_uppercase().parse().unwrap();
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(mock.token());
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn resolve<'a>(tree: &'a Value, mut node: &'a Value) -> &'a Value {
    while let Some(pointer) = node.get("$ref").and_then(Value::as_str) {
        node = tree.pointer(pointer.trim_start_matches('#')).unwrap();
    }
    node
}

/// A path with its parameters filled: the first value of an enum, `id`
/// otherwise (a uuid, or what is being tested).
fn filled(tree: &Value, parameters: &[&Value], path: &str, id: &str) -> String {
    path.split('/')
        .map(
            |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => parameters
                    .iter()
                    .find(|p| p["name"] == name)
                    .and_then(|p| resolve(tree, &p["schema"])["enum"][0].as_str())
                    .unwrap_or(id)
                    .to_string(),
                None => s.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_operation_refuses_a_request_without_what_it_requires_naming_the_field() {
    let tree: Value = serde_json::from_str(DESCRIPTION).unwrap();
    let mock = MockMetronome::start().await;
    let id = "d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc";
    let (mut refused, mut nothing_required) = (0, Vec::new());
    for (path, item) in tree["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let parameters: Vec<&Value> = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| resolve(&tree, p))
                .collect();
            let required_query = parameters
                .iter()
                .find(|p| p["in"] == "query" && p["required"] == true)
                .map(|p| p["name"].as_str().unwrap().to_string());
            let body_schema = op.pointer("/requestBody/content/application~1json/schema");
            let required_body: Vec<String> = body_schema
                .map(|s| resolve(&tree, s))
                .and_then(|s| s["required"].as_array())
                .into_iter()
                .flatten()
                .map(|v| v.as_str().unwrap().to_string())
                .collect();
            let uuid_in_path = parameters
                .iter()
                .find(|p| p["in"] == "path" && resolve(&tree, &p["schema"])["format"] == "uuid");
            let route = format!("{} {path}", method.to_uppercase());
            let (status, answer, expected) = if let Some(name) = required_query {
                // Everything else present would not matter: the first
                // missing parameter is reported.
                let (s, a) = send(
                    &mock,
                    method,
                    &filled(&tree, &parameters, path, id),
                    body_schema.map(|_| json!({})),
                )
                .await;
                (s, a, vec![name])
            } else if !required_body.is_empty() {
                let (s, a) = send(
                    &mock,
                    method,
                    &filled(&tree, &parameters, path, id),
                    Some(json!({})),
                )
                .await;
                (s, a, required_body)
            } else if let Some(p) = uuid_in_path {
                let (s, a) = send(
                    &mock,
                    method,
                    &filled(&tree, &parameters, path, "not-a-uuid"),
                    body_schema.map(|_| json!({})),
                )
                .await;
                (s, a, vec![p["name"].as_str().unwrap().to_string()])
            } else {
                nothing_required.push(route);
                continue;
            };
            assert_eq!(status, 400, "{route}: {answer}");
            let message = answer["message"].as_str().unwrap_or_default();
            assert!(
                expected
                    .iter()
                    .any(|name| message.starts_with(name.as_str())),
                "{route}: {message:?} names none of {expected:?}"
            );
            refused += 1;
        }
    }
    eprintln!(
        "refused {refused}; nothing required: {}",
        nothing_required.len()
    );
    assert_eq!(refused + nothing_required.len(), 157);
    assert!(refused >= 110, "{refused}: {nothing_required:?}");
}

#[tokio::test]
async fn unknown_paths_wrong_methods_and_broken_constraints_are_refused_like_metronome() {
    let mock = MockMetronome::start().await;
    let (status, answer) = send(&mock, "GET", "/v1/not-a-thing", None).await;
    assert_eq!(
        (status, answer["message"].as_str().unwrap()),
        (404, "no route for GET /v1/not-a-thing")
    );
    let (status, _) = send(&mock, "DELETE", "/v1/customers", None).await;
    assert_eq!(status, 405);

    let (status, answer) = send(&mock, "GET", "/v1/customers?limit=0", None).await;
    assert_eq!(status, 400);
    assert_eq!(answer["message"], "limit: must be between 1 and 100, got 0");

    let event = json!({"transaction_id": "t", "customer_id": "c", "event_type": "e", "timestamp": "2024-01-01T00:00:00Z"});
    let events: Vec<Value> = (0..101).map(|_| event.clone()).collect();
    let (status, answer) = send(&mock, "POST", "/v1/ingest", Some(json!(events))).await;
    assert_eq!(status, 400);
    assert_eq!(answer["message"], "takes at most 100 item(s), got 101");

    let (status, answer) = send(
        &mock,
        "POST",
        "/v1/usage",
        Some(json!({"starting_on": "2024-01-01T00:00:00Z", "ending_before": "2024-01-02T00:00:00Z", "window_size": "WEEK"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .starts_with("window_size: must be one of"),
        "{answer}"
    );

    // Unknown fields are ignored, as Metronome does.
    let (status, _) = send(
        &mock,
        "POST",
        "/v1/alerts/archive",
        Some(json!({"id": "d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc", "not_a_field": [1, 2]})),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_period_that_does_not_move_forward_is_refused_where_the_description_says() {
    let mock = MockMetronome::start().await;
    // In the query (a described operation with no behaviour of its own).
    let backwards = "starting_on=2024-02-01T00:00:00Z&ending_before=2024-01-01T00:00:00Z";
    let (status, answer) = send(&mock, "GET", &format!("/v1/auditLogs?{backwards}"), None).await;
    assert_eq!(
        (status, answer["message"].as_str()),
        (
            400,
            Some(
                "starting_on (2024-02-01T00:00:00Z) must be before ending_before (2024-01-01T00:00:00Z)"
            )
        )
    );
    let forwards = "starting_on=2024-01-01T00:00:00Z&ending_before=2024-02-01T00:00:00Z";
    let (status, _) = send(&mock, "GET", &format!("/v1/auditLogs?{forwards}"), None).await;
    assert_eq!(status, 200);
    // In the body.
    let (status, answer) = send(
        &mock,
        "POST",
        "/v1/credits/listEntries",
        Some(
            json!({"starting_on": "2024-01-01T00:00:00Z", "ending_before": "2024-01-01T00:00:00Z"}),
        ),
    )
    .await;
    assert_eq!(
        (status, answer["message"].as_str()),
        (
            400,
            Some(
                "starting_on (2024-01-01T00:00:00Z) must be before ending_before (2024-01-01T00:00:00Z)"
            )
        )
    );
    // Every operation the description gives a period has both instants.
    let tree: Value = serde_json::from_str(DESCRIPTION).unwrap();
    let mut periods = 0;
    for item in tree["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if let Some(period) = op.get("x-period") {
                assert!(
                    period["start"].is_string() && period["end"].is_string(),
                    "{period}"
                );
                periods += 1;
            }
        }
    }
    assert_eq!(periods, 17);
}

/// Walks a described list to its end with a page size of `limit` (the
/// mock's default without one); `cursor` says where the cursor goes
/// (`query:next_page`, `body:cursor`), `next` is the JSON pointer of the
/// next cursor in a page. Returns the items and the pages.
async fn walk_by(
    mock: &MockMetronome,
    path: &str,
    body: Value,
    cursor: &str,
    next: &str,
    limit: Option<u64>,
) -> (Vec<Value>, usize) {
    let (place, name) = cursor.split_once(':').unwrap();
    let mut items = Vec::new();
    let mut at: Option<String> = None;
    for pages in 1..=60 {
        let mut url = path.to_string();
        let mut query = Vec::new();
        let mut body = body.clone();
        if let Some(limit) = limit {
            match place {
                "body" => body["limit"] = json!(limit),
                _ => query.push(format!("limit={limit}")),
            }
        }
        if let Some(c) = &at {
            match place {
                "body" => body[name] = json!(c),
                _ => query.push(format!("{name}={c}")),
            }
        }
        if !query.is_empty() {
            url = format!("{url}?{}", query.join("&"));
        }
        let (status, page) = send(mock, "POST", &url, Some(body)).await;
        assert_eq!(status, 200, "{path}: {page}");
        let data = page["data"].as_array().unwrap();
        assert!(data.len() as u64 <= limit.unwrap_or(25), "{path}");
        items.extend(data.iter().cloned());
        match page.pointer(next).and_then(Value::as_str) {
            Some(c) => at = Some(c.to_string()),
            None => return (items, pages),
        }
    }
    panic!("{path}: more than 60 pages")
}

async fn walk(
    mock: &MockMetronome,
    path: &str,
    body: Value,
    cursor: &str,
    next: &str,
) -> Vec<Value> {
    walk_by(mock, path, body, cursor, next, Some(4)).await.0
}

#[tokio::test]
async fn described_lists_page_wherever_their_cursor_goes() {
    let mock = MockMetronome::start().await;
    let customer = "d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc";
    for (path, body, cursor, next) in [
        (
            "/v1/packages/list",
            json!({}),
            "query:next_page",
            "/next_page",
        ),
        (
            "/v1/contracts/listNamedSchedules",
            json!({"customer_id": customer}),
            "body:next_page",
            "/next_page",
        ),
        (
            "/v1/contracts/seatBalances/list",
            json!({"contract_id": customer, "customer_id": customer}),
            "body:cursor",
            "/pagination/next_page",
        ),
    ] {
        let items = walk(&mock, path, body, cursor, next).await;
        assert_eq!(
            items.len(),
            51,
            "{path}: twice the default page size and one, over 13 pages of 4"
        );
        let unique: std::collections::HashSet<String> =
            items.iter().map(Value::to_string).collect();
        assert_eq!(unique.len(), 51, "{path}: no item twice");
    }

    // The cursor of one query does not serve another; a page size changed
    // between pages is the same query.
    let (_, first) = send(&mock, "POST", "/v1/packages/list?limit=4", Some(json!({}))).await;
    let next = first["next_page"].as_str().unwrap();
    let (status, answer) = send(
        &mock,
        "POST",
        &format!("/v1/packages/list?limit=4&next_page={next}"),
        Some(json!({"archive_filter": "ARCHIVED"})),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = send(
        &mock,
        "POST",
        &format!("/v1/packages/list?limit=5&next_page={next}"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn what_a_list_holds_does_not_depend_on_the_page_size() {
    let mock = MockMetronome::start().await;
    let customer = "d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc";
    for (path, body, cursor, next) in [
        (
            "/v1/packages/list",
            json!({}),
            "query:next_page",
            "/next_page",
        ),
        (
            "/v1/packages/listContractsOnPackage",
            json!({"package_id": customer}),
            "query:next_page",
            "/next_page",
        ),
    ] {
        let (by_default, pages) = walk_by(&mock, path, body.clone(), cursor, next, None).await;
        assert_eq!(
            (by_default.len(), pages),
            (51, 3),
            "{path}: without a limit, pages of the default 25"
        );
        for limit in [1, 5, 25, 100] {
            let (items, pages) =
                walk_by(&mock, path, body.clone(), cursor, next, Some(limit)).await;
            assert_eq!(items, by_default, "{path}: limit {limit}");
            assert_eq!(
                pages,
                51usize.div_ceil(limit as usize),
                "{path}: limit {limit}"
            );
        }
    }
}

#[tokio::test]
async fn an_entity_from_a_list_is_the_one_fetched_by_its_id_and_answers_repeat() {
    let mock = MockMetronome::start().await;
    // A created entity can be fetched by the id it was given, and reads the
    // same in its list and by its id.
    let mut created = Vec::new();
    for name in ["Widgets", "Gadgets"] {
        let (status, answer) = send(
            &mock,
            "POST",
            "/v1/contract-pricing/products/create",
            Some(json!({"name": name, "type": "USAGE"})),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        created.push(answer["data"]["id"].as_str().unwrap().to_string());
    }
    let (_, page) = send(
        &mock,
        "POST",
        "/v1/contract-pricing/products/list?limit=2",
        Some(json!({})),
    )
    .await;
    let listed = &page["data"][0];
    assert_eq!(listed["id"].as_str(), Some(created[0].as_str()));
    let (status, fetched) = send(
        &mock,
        "POST",
        "/v1/contract-pricing/products/get",
        Some(json!({"id": created[0]})),
    )
    .await;
    assert_eq!(status, 200, "{fetched}");
    assert_eq!(&fetched["data"], listed, "the same product either way");
    assert_eq!(fetched["data"]["current"]["name"], "Widgets");

    let (_, again) = send(
        &mock,
        "POST",
        "/v1/contract-pricing/products/get",
        Some(json!({"id": created[0]})),
    )
    .await;
    assert_eq!(again, fetched, "the same request, the same answer");
}

#[tokio::test]
async fn a_fetch_answers_with_the_id_it_was_asked_for() {
    let mock = MockMetronome::start().await;
    let asked = "5a2aa749-5c79-4bba-92cc-528ceb53389e";
    let (status, answer) = send(
        &mock,
        "POST",
        "/v1/packages/get",
        Some(json!({"package_id": asked})),
    )
    .await;
    assert_eq!((status, answer["data"]["id"].as_str()), (200, Some(asked)));
    let (status, answer) = send(&mock, "GET", &format!("/v1/planDetails/{asked}"), None).await;
    assert_eq!((status, answer["data"]["id"].as_str()), (200, Some(asked)));
}

#[tokio::test]
async fn unknown_ids_can_be_404s() {
    let strict = MockMetronome::builder()
        .unknown_ids(UnknownIds::NotFound)
        .start()
        .await;
    let made_up = "d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc";
    let (status, answer) = send(
        &strict,
        "POST",
        "/v1/contract-pricing/products/get",
        Some(json!({"id": made_up})),
    )
    .await;
    assert_eq!(status, 404, "{answer}");
    let (status, _) = send(&strict, "GET", &format!("/v1/customers/{made_up}"), None).await;
    assert_eq!(status, 404);
    // Seeded customers and handed-out ids are known.
    let customer = strict.dataset().customers()[0].id;
    let (status, _) = send(&strict, "GET", &format!("/v1/customers/{customer}"), None).await;
    assert_eq!(status, 200);
    let (_, page) = send(&strict, "POST", "/v1/packages/list", Some(json!({}))).await;
    let listed = page["data"][0]["id"].as_str().unwrap();
    let (status, _) = send(
        &strict,
        "POST",
        "/v1/packages/get",
        Some(json!({"package_id": listed})),
    )
    .await;
    assert_eq!(status, 200);

    // By default any id is served, from the id.
    let lenient = MockMetronome::start().await;
    let (status, answer) = send(
        &lenient,
        "POST",
        "/v1/contract-pricing/products/get",
        Some(json!({"id": made_up})),
    )
    .await;
    assert_eq!(
        (status, answer["data"]["id"].as_str()),
        (200, Some(made_up))
    );
}

#[tokio::test]
async fn answers_follow_the_seed() {
    let a = MockMetronome::builder().seed(1).start().await;
    let b = MockMetronome::builder().seed(1).start().await;
    let c = MockMetronome::builder().seed(2).start().await;
    let body = Some(json!({}));
    let path = "/v1/packages/list?limit=3";
    let (_, from_a) = send(&a, "POST", path, body.clone()).await;
    let (_, from_b) = send(&b, "POST", path, body.clone()).await;
    let (_, from_c) = send(&c, "POST", path, body).await;
    assert_eq!(from_a, from_b);
    assert_ne!(from_a["data"], from_c["data"]);
}

//! The mock remembers (`x-mock-state` in the description): for each
//! resource an integration touches, what a create sends reads back, shows
//! in its list (and the list's filters), and an update or an archive shows
//! on the next read. Everything through the SDK, so every answer also
//! decodes into the generated types.

use futures::TryStreamExt;
use metronome_client::ApiErrorKind;
use metronome_integration_tests::mock_client as client;
use metronome_mock::{MockMetronome, UnknownIds};

const START: &str = "2024-01-01T00:00:00Z";

/// A mock that answers 404 for every id it neither seeded nor handed out:
/// a created entity must be known to it.
async fn strict() -> MockMetronome {
    MockMetronome::builder()
        .customers(3)
        .unknown_ids(UnknownIds::NotFound)
        .start()
        .await
}

#[tokio::test]
async fn a_created_customer_reads_back_lists_filters_changes_and_archives() {
    let mock = strict().await;
    let client = client(&mock);
    let created = client
        .customers()
        .create("Acme Rockets")
        .ingest_aliases(["acme-rockets", "acme@example.com"])
        .external_id("acme-ext")
        .send()
        .await
        .unwrap();
    assert_eq!(created.name, "Acme Rockets");
    assert_eq!(created.ingest_aliases, ["acme-rockets", "acme@example.com"]);

    let read = client
        .customers()
        .retrieve(created.id)
        .send()
        .await
        .unwrap();
    assert_eq!(read.id, created.id);
    assert_eq!(read.name, "Acme Rockets");
    // What the mock remembers, read server-side.
    let remembered = mock.remembered("customer");
    assert_eq!(remembered.len(), 4, "three seeded, one created");
    let last = remembered.last().unwrap();
    assert_eq!(last.id, created.id.to_string());
    assert_eq!(last.facts["name"], "Acme Rockets");
    assert_eq!(last.facts["external_id"], "acme-ext");
    assert!(!last.archived);
    assert!(mock.remembered("no such entity").is_empty());
    assert_eq!(read.external_id, "acme-ext");
    assert_eq!(read.archived_at, None);

    // Listed after the seeded customers, and found by its alias.
    let all: Vec<_> = client
        .customers()
        .list()
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let mut expected: Vec<_> = mock.dataset().customers().iter().map(|c| c.id).collect();
    expected.push(created.id);
    assert_eq!(all.iter().map(|c| c.id).collect::<Vec<_>>(), expected);
    let by_alias = client
        .customers()
        .list()
        .ingest_alias("acme@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_alias.data.iter().map(|c| c.id).collect::<Vec<_>>(),
        [created.id]
    );
    let by_id = client
        .customers()
        .list()
        .customer_ids([created.id.to_string()])
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.data.len(), 1);

    client
        .customers()
        .set_name(created.id, "Acme Rockets Ltd")
        .send()
        .await
        .unwrap();
    client
        .customers()
        .set_ingest_aliases(created.id, ["acme-ltd"])
        .send()
        .await
        .unwrap();
    let renamed = client
        .customers()
        .retrieve(created.id)
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.name, "Acme Rockets Ltd");
    assert_eq!(renamed.ingest_aliases, ["acme-ltd"]);
    assert!(
        client
            .customers()
            .list()
            .ingest_alias("acme-rockets")
            .send()
            .await
            .unwrap()
            .data
            .is_empty(),
        "an alias replaced no longer finds the customer"
    );

    // Its billing configuration: created, read, deleted.
    client
        .customers()
        .billing_config()
        .create(created.id, "stripe", "cus_acme")
        .stripe_collection_method("send_invoice")
        .send()
        .await
        .unwrap();
    let config = client
        .customers()
        .billing_config()
        .retrieve(created.id, "stripe")
        .send()
        .await
        .unwrap();
    assert_eq!(
        config.billing_provider_customer_id.as_deref(),
        Some("cus_acme")
    );
    client
        .customers()
        .billing_config()
        .delete(created.id, "stripe")
        .send()
        .await
        .unwrap();
    let gone = client
        .customers()
        .billing_config()
        .retrieve(created.id, "stripe")
        .send()
        .await
        .unwrap_err();
    assert_eq!(gone.kind(), Some(ApiErrorKind::NotFound));

    client.customers().archive(created.id).send().await.unwrap();
    let archived = client
        .customers()
        .retrieve(created.id)
        .send()
        .await
        .unwrap();
    assert!(archived.archived_at.is_some());
    let last = mock.remembered("customer").pop().unwrap();
    assert!(last.archived);
    assert_eq!(last.facts["name"], "Acme Rockets Ltd");
    let at = archived
        .archived_at
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    assert_eq!(last.facts["archived_at"].as_str(), at.as_deref());
    let active: Vec<_> = client
        .customers()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(active.iter().all(|c| c.id != created.id));
    let only_archived = client
        .customers()
        .list()
        .only_archived(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        only_archived.data.iter().map(|c| c.id).collect::<Vec<_>>(),
        [created.id]
    );
}

#[tokio::test]
async fn a_billable_metric_is_created_renamed_and_archived() {
    let mock = strict().await;
    let client = client(&mock);
    let id = client
        .billable_metrics()
        .create("GPU seconds")
        .aggregation_key("seconds")
        .aggregation_type("sum")
        .send()
        .await
        .unwrap()
        .id;
    let read = client.billable_metrics().retrieve(id).send().await.unwrap();
    assert_eq!(read.name, "GPU seconds");
    assert_eq!(
        read.aggregation_key.as_deref().map(String::as_str),
        Some("seconds")
    );
    let listed: Vec<_> = client
        .billable_metrics()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(listed.len(), mock.dataset().metrics().len() + 1);
    assert_eq!(listed.last().map(|m| m.id), Some(id));

    client
        .billable_metrics()
        .update(id, "GPU hours")
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .billable_metrics()
            .retrieve(id)
            .send()
            .await
            .unwrap()
            .name,
        "GPU hours"
    );
    client.billable_metrics().archive(id).send().await.unwrap();
    assert!(
        client
            .billable_metrics()
            .retrieve(id)
            .send()
            .await
            .unwrap()
            .archived_at
            .is_some()
    );
    let without: Vec<_> = client
        .billable_metrics()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(without.iter().all(|m| m.id != id));
    let with: Vec<_> = client
        .billable_metrics()
        .list()
        .include_archived(true)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(with.iter().any(|m| m.id == id));
}

#[tokio::test]
async fn a_product_and_a_rate_card_with_its_rates() {
    let mock = strict().await;
    let client = client(&mock);
    let product = client
        .contracts()
        .products()
        .create("API calls", "usage")
        .tags(["metered"])
        .send()
        .await
        .unwrap()
        .id;
    let read = client
        .contracts()
        .products()
        .retrieve(product)
        .send()
        .await
        .unwrap();
    assert_eq!(read.current.name, "API calls");
    assert_eq!(read.initial.name, "API calls");
    client
        .contracts()
        .products()
        .update(product, START)
        .name("API requests")
        .send()
        .await
        .unwrap();
    let listed = client.contracts().products().list().send().await.unwrap();
    assert_eq!(listed.data.len(), 1);
    assert_eq!(listed.data[0].current.name, "API requests");
    client
        .contracts()
        .products()
        .archive(product)
        .send()
        .await
        .unwrap();
    assert!(
        client
            .contracts()
            .products()
            .list()
            .send()
            .await
            .unwrap()
            .data
            .is_empty()
    );
    let archived = client
        .contracts()
        .products()
        .list()
        .archive_filter("archived")
        .send()
        .await
        .unwrap();
    assert_eq!(archived.data.len(), 1);
    assert!(archived.data[0].archived_at.is_some());

    let card = client
        .contracts()
        .rate_cards()
        .create("List prices 2024")
        .description("public prices")
        .send()
        .await
        .unwrap()
        .id;
    client
        .contracts()
        .rate_cards()
        .rates()
        .add(card, product, START)
        .entitled(true)
        .rate_type("flat")
        .price(2.5)
        .send()
        .await
        .unwrap();
    let rates = client
        .contracts()
        .rate_cards()
        .rates()
        .list(card, START)
        .send()
        .await
        .unwrap();
    assert_eq!(rates.data.len(), 1);
    assert_eq!(rates.data[0].product_id, product);
    assert_eq!(rates.data[0].rate.price, Some(2.5));
    let other_card = client
        .contracts()
        .rate_cards()
        .create("Another")
        .send()
        .await
        .unwrap()
        .id;
    assert!(
        client
            .contracts()
            .rate_cards()
            .rates()
            .list(other_card, START)
            .send()
            .await
            .unwrap()
            .data
            .is_empty(),
        "rates belong to their rate card"
    );
    client
        .contracts()
        .rate_cards()
        .update(card)
        .name("List prices 2025")
        .send()
        .await
        .unwrap();
    let read = client
        .contracts()
        .rate_cards()
        .retrieve(card)
        .send()
        .await
        .unwrap();
    assert_eq!(read.name, "List prices 2025");
    assert_eq!(read.description.as_deref(), Some("public prices"));
    let cards = client.contracts().rate_cards().list().send().await.unwrap();
    assert_eq!(
        cards.data.iter().map(|c| c.id).collect::<Vec<_>>(),
        [card, other_card]
    );
    client
        .contracts()
        .rate_cards()
        .archive(card)
        .send()
        .await
        .unwrap();
    let cards = client.contracts().rate_cards().list().send().await.unwrap();
    assert_eq!(
        cards.data.iter().map(|c| c.id).collect::<Vec<_>>(),
        [other_card]
    );
}

#[tokio::test]
async fn a_contract_reads_the_same_in_v1_and_v2_belongs_to_its_customer_and_lists_its_amendments() {
    let mock = strict().await;
    let client = client(&mock);
    let customer = mock.dataset().customers()[0].id;
    let other = mock.dataset().customers()[1].id;
    let contract = client
        .contracts()
        .create(customer, START)
        .name("Enterprise 2024")
        .send()
        .await
        .unwrap()
        .id;
    let v1 = client
        .contracts()
        .retrieve(customer, contract)
        .send()
        .await
        .unwrap();
    assert_eq!((v1.id, v1.customer_id), (contract, customer));
    assert_eq!(v1.initial.name.as_deref(), Some("Enterprise 2024"));
    let v2 = client
        .v2()
        .contracts()
        .retrieve(customer, contract)
        .send()
        .await
        .unwrap();
    assert_eq!((v2.id, v2.customer_id), (contract, customer));
    assert_eq!(v2.name.as_deref(), Some("Enterprise 2024"));
    assert_eq!(v2.starting_at.to_rfc3339(), "2024-01-01T00:00:00+00:00");

    assert!(v1.amendments.is_empty(), "a new contract has no amendment");
    let amendment = client
        .contracts()
        .amend(customer, contract, "2024-06-01T00:00:00Z")
        .salesforce_opportunity_id("opp-42")
        .send()
        .await
        .unwrap()
        .id;
    let v1 = client
        .contracts()
        .retrieve(customer, contract)
        .send()
        .await
        .unwrap();
    assert_eq!(
        v1.amendments.iter().map(|a| a.id).collect::<Vec<_>>(),
        [amendment]
    );
    assert_eq!(
        v1.amendments[0].starting_at.to_rfc3339(),
        "2024-06-01T00:00:00+00:00"
    );
    assert_eq!(
        v1.amendments[0].salesforce_opportunity_id.as_deref(),
        Some("opp-42")
    );

    let listed = client.contracts().list(customer).send().await.unwrap();
    assert_eq!(listed.iter().map(|c| c.id).collect::<Vec<_>>(), [contract]);
    assert_eq!(listed[0].amendments.len(), 1, "the list shows it too");
    assert!(
        client
            .v2()
            .contracts()
            .list(other)
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    // Dates: a contract from 2024-01-01 with no end covers 2024-03-01 and
    // does not start on or after 2024-02-01.
    let covering = client
        .v2()
        .contracts()
        .list(customer)
        .covering_date("2024-03-01T00:00:00Z")
        .send()
        .await
        .unwrap();
    assert_eq!(covering.len(), 1);
    assert!(
        client
            .contracts()
            .list(customer)
            .starting_at("2024-02-01T00:00:00Z")
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        client
            .contracts()
            .list(customer)
            .covering_date("2023-12-31T00:00:00Z")
            .send()
            .await
            .unwrap()
            .is_empty(),
        "before it starts"
    );
    let elsewhere = client
        .contracts()
        .retrieve(other, contract)
        .send()
        .await
        .unwrap_err();
    assert_eq!(elsewhere.kind(), Some(ApiErrorKind::NotFound));

    client
        .contracts()
        .update_end_date(customer, contract)
        .ending_before("2025-01-01T00:00:00Z")
        .send()
        .await
        .unwrap();
    let v2 = client
        .v2()
        .contracts()
        .retrieve(customer, contract)
        .send()
        .await
        .unwrap();
    assert_eq!(
        v2.ending_before.map(|t| t.to_rfc3339()).as_deref(),
        Some("2025-01-01T00:00:00+00:00")
    );
    client
        .contracts()
        .archive(customer, contract, false)
        .send()
        .await
        .unwrap();
    assert!(
        client
            .contracts()
            .list(customer)
            .send()
            .await
            .unwrap()
            .is_empty()
    );
    let with = client
        .v2()
        .contracts()
        .list(customer)
        .include_archived(true)
        .send()
        .await
        .unwrap();
    assert_eq!(with.len(), 1);
    assert!(with[0].archived_at.is_some());
}

#[tokio::test]
async fn commits_and_credits_of_a_customer() {
    let mock = strict().await;
    let client = client(&mock);
    let customer = mock.dataset().customers()[0].id;
    let other = mock.dataset().customers()[1].id;
    let product = client
        .contracts()
        .products()
        .create("Prepaid", "fixed")
        .send()
        .await
        .unwrap()
        .id;
    assert!(
        client
            .customers()
            .commits()
            .list(customer)
            .send()
            .await
            .unwrap()
            .data
            .is_empty(),
        "a new account has no commits"
    );
    let schedule = serde_json::json!({"schedule_items": [
        {"amount": 10000.0, "starting_at": START, "ending_before": "2025-01-01T00:00:00Z"}
    ]});
    let commit = client
        .customers()
        .commits()
        .create(customer, product, "prepaid")
        .name("Annual prepaid")
        .priority(1.0)
        .access_schedule(schedule.clone())
        .send()
        .await
        .unwrap()
        .id;
    let second = client
        .customers()
        .commits()
        .create(customer, product, "postpaid")
        .priority(2.0)
        .access_schedule(schedule.clone())
        .send()
        .await
        .unwrap()
        .id;
    let listed = client
        .customers()
        .commits()
        .list(customer)
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.data.iter().map(|c| c.id).collect::<Vec<_>>(),
        [commit, second]
    );
    assert_eq!(listed.data[0].name.as_deref(), Some("Annual prepaid"));
    let one = client
        .customers()
        .commits()
        .list(customer)
        .commit_id(second)
        .send()
        .await
        .unwrap();
    assert_eq!(one.data.iter().map(|c| c.id).collect::<Vec<_>>(), [second]);
    assert!(
        client
            .customers()
            .commits()
            .list(other)
            .send()
            .await
            .unwrap()
            .data
            .is_empty()
    );

    let credit = client
        .customers()
        .credits()
        .create(customer, product, 1.0)
        .name("Launch credit")
        .access_schedule(schedule)
        .send()
        .await
        .unwrap()
        .id;
    let credits = client
        .customers()
        .credits()
        .list(customer)
        .send()
        .await
        .unwrap();
    assert_eq!(
        credits.data.iter().map(|c| c.id).collect::<Vec<_>>(),
        [credit]
    );
    assert_eq!(credits.data[0].name.as_deref(), Some("Launch credit"));
}

#[tokio::test]
async fn credit_grants_are_listed_by_customer_edited_and_voided() {
    let mock = strict().await;
    let client = client(&mock);
    let customer = mock.dataset().customers()[0].id;
    let other = mock.dataset().customers()[1].id;
    let usd = metronome_mock::USD_CREDIT_TYPE;
    let amount = serde_json::json!({"amount": 500.0, "credit_type_id": usd});
    let grant = |who| {
        client
            .credit_grants()
            .create(who, "2025-01-01T00:00:00Z", amount.clone())
            .name("Welcome credits")
            .paid_amount(serde_json::json!({"amount": 0.0, "credit_type_id": usd}))
            .priority(1.0)
            .send()
    };
    let mine = grant(customer).await.unwrap().id;
    let theirs = grant(other).await.unwrap().id;
    let listed = client
        .credit_grants()
        .list()
        .customer_ids([customer])
        .send()
        .await
        .unwrap();
    assert_eq!(listed.data.iter().map(|g| g.id).collect::<Vec<_>>(), [mine]);
    assert_eq!(listed.data[0].customer_id, customer);
    assert_eq!(listed.data[0].name, "Welcome credits");
    let all: Vec<_> = client
        .credit_grants()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.iter().map(|g| g.id).collect::<Vec<_>>(), [mine, theirs]);
    let expiring_later = client
        .credit_grants()
        .list()
        .not_expiring_before("2025-06-01T00:00:00Z")
        .send()
        .await
        .unwrap();
    assert!(expiring_later.data.is_empty(), "both expire on 2025-01-01");

    client
        .credit_grants()
        .edit(mine)
        .name("Welcome credits (extended)")
        .send()
        .await
        .unwrap();
    let edited = client
        .credit_grants()
        .list()
        .credit_grant_ids([mine])
        .send()
        .await
        .unwrap();
    assert_eq!(edited.data[0].name, "Welcome credits (extended)");
    client.credit_grants().void(mine).send().await.unwrap();
    let left: Vec<_> = client
        .credit_grants()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(left.iter().map(|g| g.id).collect::<Vec<_>>(), [theirs]);
}

#[tokio::test]
async fn alerts_custom_fields_and_invoices() {
    let mock = strict().await;
    let client = client(&mock);
    let customer = mock.dataset().customers()[0].id;

    let alert = client
        .alerts()
        .create("spend_threshold_reached", "Spend over 1,000", 1000.0)
        .customer_id(customer)
        .send()
        .await
        .unwrap()
        .id;
    let read = client
        .customers()
        .alerts()
        .retrieve(customer, alert)
        .send()
        .await
        .unwrap();
    assert_eq!(read.alert.id, alert.to_string());
    assert_eq!(read.alert.name, "Spend over 1,000");
    assert_eq!(read.alert.threshold, 1000.0);
    let listed = client
        .customers()
        .alerts()
        .list(customer)
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed
            .data
            .iter()
            .map(|a| a.alert.id.clone())
            .collect::<Vec<_>>(),
        [alert.to_string()]
    );
    client.alerts().archive(alert).send().await.unwrap();
    assert!(
        client
            .customers()
            .alerts()
            .list(customer)
            .send()
            .await
            .unwrap()
            .data
            .is_empty()
    );

    // Custom fields: keys come and go; values land on the entity.
    client
        .custom_fields()
        .add_key("customer", "region", false)
        .send()
        .await
        .unwrap();
    client
        .custom_fields()
        .add_key("contract", "deal_desk_id", true)
        .send()
        .await
        .unwrap();
    let keys = client
        .custom_fields()
        .list_keys()
        .entities(["customer"])
        .send()
        .await
        .unwrap();
    assert_eq!(
        keys.data.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(),
        ["region"]
    );
    client
        .custom_fields()
        .set_values(
            "customer",
            customer,
            serde_json::json!({"region": "eu-west", "tier": "gold"}),
        )
        .send()
        .await
        .unwrap();
    client
        .custom_fields()
        .delete_values("customer", customer, ["tier"])
        .send()
        .await
        .unwrap();
    let fields = client
        .customers()
        .retrieve(customer)
        .send()
        .await
        .unwrap()
        .custom_fields;
    assert_eq!(fields.len(), 1);
    assert_eq!(fields.get("region").map(String::as_str), Some("eu-west"));
    client
        .custom_fields()
        .remove_key("customer", "region")
        .send()
        .await
        .unwrap();
    assert!(
        client
            .custom_fields()
            .list_keys()
            .entities(["customer"])
            .send()
            .await
            .unwrap()
            .data
            .is_empty()
    );

    // A customer's invoices: the same ids in the list and by id, and a void
    // shows on both.
    let invoices = client
        .customers()
        .invoices()
        .list(customer)
        .send()
        .await
        .unwrap();
    assert_eq!(invoices.data.len(), 3);
    assert!(invoices.data.iter().all(|i| i.customer_id == customer));
    let first = invoices.data[0].id;
    let read = client
        .customers()
        .invoices()
        .retrieve(customer, first)
        .send()
        .await
        .unwrap();
    assert_eq!(read.id, first);
    client.invoices().void(first).send().await.unwrap();
    let read = client
        .customers()
        .invoices()
        .retrieve(customer, first)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status.as_str(), "VOID");
    let voided = client
        .customers()
        .invoices()
        .list(customer)
        .status("VOID")
        .send()
        .await
        .unwrap();
    assert_eq!(
        voided.data.iter().map(|i| i.id).collect::<Vec<_>>(),
        [first]
    );
}

#[tokio::test]
async fn reset_forgets_what_was_created_and_the_same_requests_give_the_same_ids() {
    let mock = strict().await;
    let client = client(&mock);
    let first = client.customers().create("One").send().await.unwrap().id;
    mock.reset();
    let missing = client.customers().retrieve(first).send().await.unwrap_err();
    assert_eq!(missing.kind(), Some(ApiErrorKind::NotFound));
    let again = client.customers().create("One").send().await.unwrap().id;
    assert_eq!(
        again, first,
        "the same requests from the start give the same ids"
    );
    let twice = client.customers().create("One").send().await.unwrap().id;
    assert_ne!(twice, first, "each create hands out a new id");
}

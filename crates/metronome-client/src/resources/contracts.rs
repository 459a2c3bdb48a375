//! Contracts: `POST /v1/contracts/customerBalances/list`, a customer's
//! commits and credits. Every filter, the page size and the cursor travel
//! in the JSON body.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use metronome_api::types::{self, Balance};
use uuid::Uuid;

use crate::args::{IntoId, IntoTimestamp};
use crate::pagination::{PageQuery, WalkLimits, list_request};
use crate::resources::check_limit_up_to;

/// The most balances a page holds, and the server's default page size.
const MAX_LIMIT: u32 = 25;
const DEFAULT_LIMIT: std::num::NonZeroU64 =
    std::num::NonZeroU64::new(MAX_LIMIT as u64).expect("not zero");
use crate::{Client, Error, Page};

/// Contract operations: `client.contracts()`.
#[derive(Debug, Clone, Copy)]
pub struct Contracts<'a> {
    client: &'a Client,
}

impl Client {
    /// Contract operations.
    pub fn contracts(&self) -> Contracts<'_> {
        Contracts { client: self }
    }
}

impl Contracts<'_> {
    /// The commits and credits `customer_id` can draw down.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
    /// let balances: Vec<_> = client
    ///     .contracts()
    ///     .list_balances("d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc")
    ///     .include_balance(true)
    ///     .stream()
    ///     .try_collect()
    ///     .await?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_balances(&self, customer_id: impl IntoId) -> ListBalances {
        ListBalances {
            client: self.client.clone(),
            customer_id: customer_id.into_id(),
            id: None,
            covering_date: None,
            starting_at: None,
            effective_before: None,
            flags: Flags::default(),
            limit: None,
            limits: WalkLimits::default(),
        }
    }
}

/// The yes/no options of a balance list.
#[derive(Debug, Clone, Copy, Default)]
struct Flags {
    include_archived: Option<bool>,
    include_balance: Option<bool>,
    include_contract_balances: Option<bool>,
    include_ledgers: Option<bool>,
    exclude_zero_balances: Option<bool>,
}

/// A request for a customer's balances: built by [`Contracts::list_balances`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or streamed"]
pub struct ListBalances {
    client: Client,
    customer_id: Result<Uuid, String>,
    id: Option<Result<Uuid, String>>,
    covering_date: Option<Result<DateTime<Utc>, String>>,
    starting_at: Option<Result<DateTime<Utc>, String>>,
    effective_before: Option<Result<DateTime<Utc>, String>>,
    flags: Flags,
    limit: Option<u32>,
    limits: WalkLimits,
}

list_request!(ListBalances, Balance);

impl ListBalances {
    /// Only the commit or credit with this id.
    pub fn id(mut self, id: impl IntoId) -> Self {
        self.id = Some(id.into_id());
        self
    }

    /// Only balances whose access schedule covers this instant.
    pub fn covering_date(mut self, at: impl IntoTimestamp) -> Self {
        self.covering_date = Some(at.into_timestamp());
        self
    }

    /// Only balances with access on or after this instant.
    pub fn starting_at(mut self, at: impl IntoTimestamp) -> Self {
        self.starting_at = Some(at.into_timestamp());
        self
    }

    /// Only balances with access before this instant.
    pub fn effective_before(mut self, at: impl IntoTimestamp) -> Self {
        self.effective_before = Some(at.into_timestamp());
        self
    }

    /// Include archived commits and credits.
    pub fn include_archived(mut self, yes: bool) -> Self {
        self.flags.include_archived = Some(yes);
        self
    }

    /// Compute each balance's remaining `balance` (slower).
    pub fn include_balance(mut self, yes: bool) -> Self {
        self.flags.include_balance = Some(yes);
        self
    }

    /// Include balances held on contracts, not only on the customer.
    pub fn include_contract_balances(mut self, yes: bool) -> Self {
        self.flags.include_contract_balances = Some(yes);
        self
    }

    /// Include each balance's ledger (slower).
    pub fn include_ledgers(mut self, yes: bool) -> Self {
        self.flags.include_ledgers = Some(yes);
        self
    }

    /// Leave out balances with nothing left.
    pub fn exclude_zero_balances(mut self, yes: bool) -> Self {
        self.flags.exclude_zero_balances = Some(yes);
        self
    }

    /// Balances per page, 1 to 25 (the server's default and maximum).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    fn query(&self) -> Result<BalancesQuery, Error> {
        check_limit_up_to(self.limit, MAX_LIMIT)?;
        fn invalid(field: &'static str) -> impl Fn(String) -> Error {
            move |e| Error::InvalidRequest(format!("{field}: {e}"))
        }
        let time = |value: &Option<Result<DateTime<Utc>, String>>, field: &'static str| {
            value.clone().transpose().map_err(invalid(field))
        };
        Ok(BalancesQuery {
            body: types::BalanceListRequest {
                customer_id: self.customer_id.clone().map_err(invalid("customer_id"))?,
                id: self.id.clone().transpose().map_err(invalid("id"))?,
                covering_date: time(&self.covering_date, "covering_date")?,
                starting_at: time(&self.starting_at, "starting_at")?,
                effective_before: time(&self.effective_before, "effective_before")?,
                include_archived: self.flags.include_archived,
                include_balance: self.flags.include_balance,
                include_contract_balances: self.flags.include_contract_balances,
                include_ledgers: self.flags.include_ledgers,
                exclude_zero_balances: self.flags.exclude_zero_balances,
                limit: self
                    .limit
                    .and_then(|n| std::num::NonZeroU64::new(u64::from(n)))
                    .unwrap_or(DEFAULT_LIMIT),
                access_type: None,
                webhook_notification_id: None,
                next_page: None,
            },
        })
    }
}

/// A validated balance request: the same body on every page, with
/// `next_page` set in it.
struct BalancesQuery {
    body: types::BalanceListRequest,
}

impl PageQuery for BalancesQuery {
    type Item = Balance;
    const OPERATION: &'static str = "contracts_list_balances";

    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<Balance>, Error>> {
        let body = types::BalanceListRequest {
            next_page: cursor.map(str::to_string),
            ..self.body.clone()
        };
        let call = client.api().contracts_list_balances().body(body);
        crate::raw::fetch_page(call, cursor)
    }
}

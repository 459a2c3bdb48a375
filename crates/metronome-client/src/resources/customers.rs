//! Customers: `GET /v1/customers/{customer_id}/costs`, a customer's daily
//! costs by credit type.

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use metronome_api::types::{CustomerCostWindow, CustomerDetail as Customer};
use uuid::Uuid;

use crate::args::{self, IntoId, IntoTimestamp};
use crate::pagination::{PageQuery, WalkLimits, list_request};
use crate::resources::{call, check_limit};
use crate::{Client, Error, Page};

/// Customer operations: `client.customers()`.
#[derive(Debug, Clone, Copy)]
pub struct Customers<'a> {
    client: &'a Client,
}

impl Client {
    /// Customer operations.
    pub fn customers(&self) -> Customers<'_> {
        Customers { client: self }
    }
}

impl Customers<'_> {
    /// The costs `customer_id` accrued over `[starting_on, ending_before)`,
    /// one entry per day, split by credit type and line item.
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
    /// let mut days = client
    ///     .customers()
    ///     .list_costs("d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
    ///     .limit(31)
    ///     .stream();
    /// while let Some(day) = days.try_next().await? {
    ///     for (credit_type, cost) in &day.credit_types {
    ///         println!("{} {credit_type}: {:?}", day.start_timestamp, cost.cost);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list_costs(
        &self,
        customer_id: impl IntoId,
        starting_on: impl IntoTimestamp,
        ending_before: impl IntoTimestamp,
    ) -> ListCustomerCosts {
        ListCustomerCosts {
            client: self.client.clone(),
            customer_id: customer_id.into_id(),
            starting_on: starting_on.into_timestamp(),
            ending_before: ending_before.into_timestamp(),
            limit: None,
            limits: WalkLimits::default(),
        }
    }
}

/// A request for a customer's costs: built by [`Customers::list_costs`],
/// sent with [`send`](ListCustomerCosts::send),
/// [`pages`](ListCustomerCosts::pages) or [`stream`](ListCustomerCosts::stream).
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or streamed"]
pub struct ListCustomerCosts {
    client: Client,
    customer_id: Result<Uuid, String>,
    starting_on: Result<DateTime<Utc>, String>,
    ending_before: Result<DateTime<Utc>, String>,
    limit: Option<u32>,
    limits: WalkLimits,
}

list_request!(ListCustomerCosts, CustomerCostWindow);

impl ListCustomerCosts {
    /// At most this many days per page, from 1 to 100; anything else fails
    /// before a request is sent.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    fn query(&self) -> Result<CostsQuery, Error> {
        let customer_id = self
            .customer_id
            .clone()
            .map_err(|e| Error::InvalidRequest(format!("customer_id: {e}")))?;
        let (starting_on, ending_before) =
            args::period(&self.starting_on, &self.ending_before).map_err(Error::InvalidRequest)?;
        check_limit(self.limit)?;
        Ok(CostsQuery {
            customer_id,
            starting_on,
            ending_before,
            limit: self.limit,
        })
    }
}

/// A validated costs request: every parameter is repeated on every page,
/// with `next_page` added.
struct CostsQuery {
    customer_id: Uuid,
    starting_on: DateTime<Utc>,
    ending_before: DateTime<Utc>,
    limit: Option<u32>,
}

impl PageQuery for CostsQuery {
    type Item = CustomerCostWindow;
    const OPERATION: &'static str = "customers_list_costs";

    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<CustomerCostWindow>, Error>> {
        let mut call = client
            .api()
            .customers_list_costs()
            .customer_id(self.customer_id)
            .starting_on(self.starting_on)
            .ending_before(self.ending_before);
        if let Some(limit) = self.limit {
            call = call.limit(u64::from(limit));
        }
        crate::raw::fetch_page(call, cursor)
    }
}

impl Customers<'_> {
    /// The customers of the account (active ones unless
    /// [`only_archived`](ListCustomers::only_archived)).
    ///
    /// ```no_run
    /// use futures::TryStreamExt;
    /// # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
    /// let customers: Vec<_> = client.customers().list().limit(100).stream().try_collect().await?;
    /// for customer in &customers {
    ///     println!("{} {}", customer.id, customer.name);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn list(&self) -> ListCustomers {
        ListCustomers {
            client: self.client.clone(),
            ingest_alias: None,
            only_archived: None,
            limit: None,
            limits: WalkLimits::default(),
        }
    }

    /// One customer, by id.
    pub fn get(&self, customer_id: impl IntoId) -> GetCustomer {
        GetCustomer {
            client: self.client.clone(),
            customer_id: customer_id.into_id(),
        }
    }
}

/// A request for the list of customers: built by [`Customers::list`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent or streamed"]
pub struct ListCustomers {
    client: Client,
    ingest_alias: Option<String>,
    only_archived: Option<bool>,
    limit: Option<u32>,
    limits: WalkLimits,
}

list_request!(ListCustomers, Customer);

impl ListCustomers {
    /// Only the customer with this ingest alias.
    pub fn ingest_alias(mut self, alias: impl Into<String>) -> Self {
        self.ingest_alias = Some(alias.into());
        self
    }

    /// Only archived customers (`true`) instead of active ones.
    pub fn only_archived(mut self, archived: bool) -> Self {
        self.only_archived = Some(archived);
        self
    }

    /// Customers per page, 1 to 100.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    fn query(&self) -> Result<CustomersQuery, Error> {
        check_limit(self.limit)?;
        if self.ingest_alias.as_deref().is_some_and(str::is_empty) {
            return Err(Error::InvalidRequest("ingest_alias is empty".into()));
        }
        Ok(CustomersQuery {
            ingest_alias: self.ingest_alias.clone(),
            only_archived: self.only_archived,
            limit: self.limit,
        })
    }
}

struct CustomersQuery {
    ingest_alias: Option<String>,
    only_archived: Option<bool>,
    limit: Option<u32>,
}

impl PageQuery for CustomersQuery {
    type Item = Customer;
    const OPERATION: &'static str = "customers_list";

    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<Customer>, Error>> {
        let mut call = client.api().customers_list();
        if let Some(alias) = &self.ingest_alias {
            call = call.ingest_alias(alias.as_str());
        }
        if let Some(archived) = self.only_archived {
            call = call.only_archived(archived);
        }
        if let Some(limit) = self.limit {
            call = call.limit(u64::from(limit));
        }
        crate::raw::fetch_page(call, cursor)
    }
}

/// A request for one customer: built by [`Customers::get`].
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct GetCustomer {
    client: Client,
    customer_id: Result<Uuid, String>,
}

impl GetCustomer {
    /// The customer, out of the API's `{"data": …}` envelope.
    pub async fn send(self) -> Result<Customer, Error> {
        let id = self
            .customer_id
            .map_err(|e| Error::InvalidRequest(format!("customer_id: {e}")))?;
        let request = self.client.api().customers_retrieve().customer_id(id);
        let (response, _, _) = call("customers_retrieve", Box::pin(request.send())).await?;
        Ok(response.data)
    }
}

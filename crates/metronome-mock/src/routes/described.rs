//! The answer of every operation the mock has no behaviour of its own for,
//! made from the operation's schema ([`crate::openapi::synth`]):
//!
//! - the same request gives the same answer (for a seed);
//! - a list has the same items whatever the page size: twice its default
//!   page size and one more (51 for the usual 25; the default is the
//!   description's, else 25), paged by `limit` (the default without one),
//!   with a cursor
//!   bound to the query but not to the page size, wherever the operation
//!   keeps it (`next_page`, `pagination.next_page`; as a uuid where it is
//!   typed so);
//! - an entity is made from its id: an item of a list and the answer to a
//!   fetch by that id agree; a `create` hands out a new id, derived from
//!   the request;
//! - an id the mock has not handed out (nor seeded) is either served all
//!   the same (the default) or answered 404
//!   ([`MockBuilder::unknown_ids`](crate::MockBuilder::unknown_ids));
//! - every answer is checked against the description before it is sent (a
//!   500 says where the mock got it wrong).

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::{PagePlan, Reply};
use crate::openapi::synth::Synth;
use crate::openapi::validate::{self, Mode};
use crate::openapi::{Answer, Api, Location, Operation};

/// What unknown ids get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UnknownIds {
    /// An answer made from the id, as for any other (tests written against
    /// example ids work).
    #[default]
    Serve,
    /// 404, as Metronome answers an id it does not have.
    NotFound,
}

/// The ids the mock has seeded or handed out, for [`UnknownIds::NotFound`].
/// Bounded: past `MAX_IDS`, new ids are not remembered (and so 404).
#[derive(Debug, Default)]
pub(crate) struct Ids(std::sync::Mutex<HashSet<String>>);

const MAX_IDS: usize = 100_000;

impl Ids {
    pub fn remember(&self, id: &str) {
        let mut ids = crate::faults::lock(&self.0);
        if ids.len() < MAX_IDS {
            ids.insert(id.to_string());
        }
    }

    /// Forgets one id (an entity deleted).
    pub fn forget(&self, id: &str) {
        crate::faults::lock(&self.0).remove(id);
    }

    /// Forgets every id but `kept` (the seeded ones).
    pub fn reset(&self, kept: impl IntoIterator<Item = String>) {
        let mut ids = crate::faults::lock(&self.0);
        ids.clear();
        ids.extend(kept);
    }

    pub fn knows(&self, id: &str) -> bool {
        crate::faults::lock(&self.0).contains(id)
    }
}

/// What the answer depends on besides the request.
pub(crate) struct Described<'a> {
    pub api: &'a Api,
    pub seed: u64,
    pub ids: &'a Ids,
    pub unknown_ids: UnknownIds,
    pub cursors: super::Cursors,
    /// What operations with an `x-mock-state` rule remember.
    pub store: &'a super::stateful::Store,
    /// When the store's clock starts.
    pub epoch: chrono::DateTime<chrono::Utc>,
}

/// A 200 PDF: the smallest document readers open.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

impl Described<'_> {
    /// Answers `op`, whose parameters (`params`, typed) and body were
    /// checked already.
    pub fn answer(&self, op: &Operation, params: &Map<String, Value>, body: &Value) -> Reply {
        let mut known = params.clone();
        if let Value::Object(fields) = body {
            for (name, value) in fields {
                known.entry(name.clone()).or_insert_with(|| value.clone());
            }
        }
        if self.unknown_ids == UnknownIds::NotFound
            && let Some((name, id)) = self.unknown_id(op, &known)
        {
            return Reply::error(404, &format!("no {name} {id}"));
        }
        // Neither the cursor nor the page size decides what is listed.
        let paging: Vec<&str> = op
            .page
            .iter()
            .flat_map(|p| [p.cursor.as_ref(), p.limit.as_ref()])
            .flatten()
            .map(|(_, n)| n.as_str())
            .collect();
        let fingerprint = fingerprint(&op.id, params, body, &paging);
        if let Some(rule) = &op.state {
            return self.remembered(op, rule, &known, fingerprint);
        }
        let schema = match &op.answer {
            Answer::Empty => return Reply::empty(op.success),
            Answer::Pdf => return Reply::bytes(op.success, "application/pdf", PDF),
            Answer::Json(schema) => schema,
        };
        let seed = mix(self.seed, fingerprint);
        let mut synth = Synth::new(self.api, seed, &known);
        let mut value = synth.value(schema, "");
        let data_schema = property(self.api, schema, "data").cloned();

        let reply = match (&op.page, &data_schema) {
            (Some(page), Some(data)) => {
                let item = self
                    .api
                    .resolve(data)
                    .get("items")
                    .cloned()
                    .unwrap_or(Value::Null);
                let total = 2 * page.default_size + 1;
                let items = |range: std::ops::Range<usize>| -> Vec<Value> {
                    range
                        .map(|i| {
                            synth.reseed(mix(seed, i as u64));
                            let id = synth.uuid();
                            self.ids.remember(&id);
                            synth.reseed(mix(self.seed, crate::cursor::fingerprint(&id)));
                            synth.entity(&item, &id)
                        })
                        .collect()
                };
                let listed = Listed {
                    api: self.api,
                    schema,
                    page,
                    known: &known,
                    fingerprint,
                    cursors: self.cursors,
                };
                if let Err(reply) = listed.fill(&mut value, total, items) {
                    return reply;
                }
                value
            }
            (_, Some(data)) if value.get("data").is_some_and(Value::is_object) => {
                if let Some(id) = self.entity_id(op, &known, &mut synth, seed) {
                    self.ids.remember(&id);
                    synth.reseed(mix(self.seed, crate::cursor::fingerprint(&id)));
                    value["data"] = synth.entity(data, &id);
                }
                value
            }
            _ => value,
        };
        checked(self.api, op, schema, reply)
    }

    /// The entity a request is about: the last id in its path, or its
    /// body's `id`, or for a fetch (`retrieve`, `get…`) the one `…_id` its
    /// body names (`package_id`); for a `create`, a new one derived from
    /// the request.
    fn entity_id(
        &self,
        op: &Operation,
        known: &Map<String, Value>,
        synth: &mut Synth<'_>,
        seed: u64,
    ) -> Option<String> {
        if op.action.starts_with("create") {
            synth.reseed(mix(seed, 0xc0ffee));
            return Some(synth.uuid());
        }
        op.parameters
            .iter()
            .rev()
            .filter(|p| p.location == Location::Path && (p.name == "id" || p.name.ends_with("_id")))
            .find_map(|p| known.get(&p.name)?.as_str().map(str::to_string))
            .or_else(|| known.get("id")?.as_str().map(str::to_string))
            .or_else(|| {
                let fetch = op.action == "retrieve" || op.action.starts_with("get");
                let mut named = known
                    .iter()
                    .filter(|(name, value)| name.ends_with("_id") && value.is_string());
                match (fetch, named.next(), named.next()) {
                    (true, Some((_, id)), None) => id.as_str().map(str::to_string),
                    _ => None,
                }
            })
            .filter(|id| uuid::Uuid::try_parse(id).is_ok())
    }

    /// A uuid the request names (a path id, or a body `id`/`…_id`) that
    /// the mock never handed out.
    fn unknown_id(&self, op: &Operation, known: &Map<String, Value>) -> Option<(String, String)> {
        let named = op
            .parameters
            .iter()
            .filter(|p| p.location == Location::Path)
            .map(|p| p.name.as_str())
            .chain(
                known
                    .keys()
                    .map(String::as_str)
                    .filter(|n| *n == "id" || n.ends_with("_id")),
            );
        for name in named {
            if let Some(id) = known.get(name).and_then(Value::as_str)
                && uuid::Uuid::try_parse(id).is_ok()
                && !self.ids.knows(id)
            {
                return Some((name.to_string(), id.to_string()));
            }
        }
        None
    }
}

/// An answer, held to the description before it is sent: a 500 says where
/// the mock got it wrong.
pub(crate) fn checked(api: &Api, op: &Operation, schema: &Value, answer: Value) -> Reply {
    match validate::check(api, schema, &answer, "", Mode::Response) {
        Ok(()) => Reply::json(op.success, answer.to_string()),
        Err(broken) => Reply::error(
            500,
            &format!("metronome-mock made an answer its description does not allow, at {broken}"),
        ),
    }
}

/// A list answer being paged: the request's cursor and page size, read
/// where the operation keeps them, and where the next cursor goes.
pub(crate) struct Listed<'a> {
    pub api: &'a Api,
    pub schema: &'a Value,
    pub page: &'a crate::openapi::PageShape,
    pub known: &'a Map<String, Value>,
    pub fingerprint: u64,
    pub cursors: super::Cursors,
}

impl Listed<'_> {
    /// Puts the page of `total` items the request asks for (made by
    /// `items` for its range) into `value`'s `data`, and the next cursor
    /// where the operation keeps it (a uuid where it is typed so); a 400
    /// for a cursor that is not this query's.
    pub fn fill(
        &self,
        value: &mut Value,
        total: usize,
        items: impl FnOnce(std::ops::Range<usize>) -> Vec<Value>,
    ) -> Result<(), Reply> {
        let (api, page) = (self.api, self.page);
        let sent = page
            .cursor
            .as_ref()
            .and_then(|(_, name)| self.known.get(name)?.as_str());
        let limit = page
            .limit
            .as_ref()
            .and_then(|(_, name)| self.known.get(name)?.as_u64());
        let page_size = limit.map_or(page.default_size, |n| n.clamp(1, 100) as usize);
        let plan = PagePlan::new(self.fingerprint, sent, page_size, total, self.cursors)
            .map_err(|message| Reply::error(400, &message))?;
        value["data"] = Value::Array(items(plan.range()));
        let end = plan.range().end;
        let next = (end < total).then(|| {
            let cursor = crate::cursor::Cursor {
                fingerprint: self.fingerprint,
                offset: end,
                nonce: 0,
            };
            let uuid_typed = property_path(api, self.schema, &page.next)
                .is_some_and(|s| api.resolve(s).get("format") == Some(&Value::from("uuid")));
            if uuid_typed {
                cursor.encode_uuid()
            } else {
                cursor.encode()
            }
        });
        set_cursor(api, self.schema, value, &page.next, next);
        Ok(())
    }
}

/// What defines a query's results: the operation and everything it was
/// given but how it is paged (the cursor, the page size).
fn fingerprint(op: &str, params: &Map<String, Value>, body: &Value, paging: &[&str]) -> u64 {
    let without = |map: &Map<String, Value>| -> String {
        let kept: Map<String, Value> = map
            .iter()
            .filter(|(k, _)| !paging.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Value::Object(kept).to_string()
    };
    let body = match body {
        Value::Object(map) => without(map),
        other => other.to_string(),
    };
    crate::cursor::fingerprint((op, without(params), body))
}

pub(crate) fn mix(a: u64, b: u64) -> u64 {
    crate::dataset::splitmix(a ^ crate::dataset::splitmix(b))
}

/// The schema of a property of an object schema (looking through `$ref`
/// and `allOf`).
pub(crate) fn property<'a>(api: &'a Api, schema: &'a Value, name: &str) -> Option<&'a Value> {
    let schema = api.resolve(schema);
    if let Some(found) = schema.get("properties").and_then(|p| p.get(name)) {
        return Some(found);
    }
    schema
        .get("allOf")
        .and_then(Value::as_array)?
        .iter()
        .find_map(|part| property(api, part, name))
}

fn property_path<'a>(api: &'a Api, schema: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter()
        .try_fold(schema, |s, name| property(api, s, name))
}

/// Writes the next cursor where the operation keeps it; with no next page,
/// `null` where the description allows it, else nothing.
pub(crate) fn set_cursor(
    api: &Api,
    schema: &Value,
    value: &mut Value,
    path: &[String],
    next: Option<String>,
) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = &mut *value;
    for name in parents {
        if !at.get(name).is_some_and(Value::is_object) {
            at[name.as_str()] = Value::Object(Map::new());
        }
        at = &mut at[name.as_str()];
    }
    let Some(object) = at.as_object_mut() else {
        return;
    };
    match next {
        Some(cursor) => {
            object.insert(last.clone(), Value::String(cursor));
        }
        None => {
            let allows_null = property_path(api, schema, path)
                .is_some_and(|s| validate::check(api, s, &Value::Null, "", Mode::Response).is_ok());
            if allows_null {
                object.insert(last.clone(), Value::Null);
            } else {
                object.remove(last);
            }
        }
    }
}

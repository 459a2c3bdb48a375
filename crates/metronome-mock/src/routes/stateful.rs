//! The mock's memory: the entities operations with an `x-mock-state` rule
//! ([`StateRule`]) create, read, list, update, archive and delete.
//!
//! An entity is its id and its *facts*: what requests said about it (a
//! create's fields, an update's), what the service adds (`created_at`,
//! `updated_at`, `archived_at`, an operation's `sets`), and the entity it
//! belongs to (`scope`, a customer's id). An answer is made from the
//! entity's schema as every answer is ([`Synth`], seeded by the id, so an
//! entity reads the same everywhere), then the facts are written over it
//! wherever the answer has a field of that name whose schema they fit
//! (at the entity's top level and in the objects `into` names). The facts
//! are what the mock remembers; the rest is made again on each read.
//!
//! Seeded entities share the store: the dataset's customers and billable
//! metrics, and `seeded` entities of a list whose rule asks for them
//! (made from the seed, per scope for a scoped list), so lists mix seeded
//! and created entities, seeded first, then in the order of creation.
//! Instants the service adds come from a clock that starts at the
//! dataset's first day and moves one second per change: the same requests
//! give the same answers.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::Reply;
use super::described::{Described, checked, mix, property};
use crate::cursor::fingerprint;
use crate::openapi::state::{Does, Filter, StateRule};
use crate::openapi::synth::Synth;
use crate::openapi::validate::{self, Mode};
use crate::openapi::{Answer, Api, Operation};

/// Entities kept at most; past it, a create is answered 507 (a test that
/// made a million entities is broken, and the mock must not take the
/// machine's memory with it).
const MAX_ENTITIES: usize = 200_000;

/// One entity's facts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Entity {
    pub facts: Map<String, Value>,
    pub archived: bool,
}

/// Every entity, by collection and id, and each collection's order.
#[derive(Debug, Default)]
pub(crate) struct Store(std::sync::Mutex<Inner>);

#[derive(Debug, Default)]
struct Inner {
    collections: HashMap<String, Collection>,
    /// Entities in all collections.
    count: usize,
    /// Changes so far: the clock's seconds past its start.
    clock: u64,
}

/// One collection: its entities in the order they were stored (seeded
/// first), so that a list reads them in one pass without hashing, and an
/// index by id.
#[derive(Debug, Default)]
struct Collection {
    slots: Vec<Slot>,
    index: HashMap<String, usize>,
    /// Slots of removed entities, compacted away past half of them.
    removed: usize,
}

#[derive(Debug)]
struct Slot {
    id: String,
    entity: Entity,
    /// Lists show it: a create or a seed, not an entity made from its id
    /// that an update gave facts to.
    listed: bool,
    removed: bool,
}

impl Collection {
    /// The entities a list reads, in order.
    fn listed(&self) -> impl Iterator<Item = (&str, &Entity)> {
        self.slots
            .iter()
            .filter(|slot| slot.listed && !slot.removed)
            .map(|slot| (slot.id.as_str(), &slot.entity))
    }

    fn compact(&mut self) {
        self.slots.retain(|slot| !slot.removed);
        self.index = self
            .slots
            .iter()
            .enumerate()
            .map(|(i, slot)| (slot.id.clone(), i))
            .collect();
        self.removed = 0;
    }
}

impl Store {
    /// Empties the store and puts `seeded` in, in order.
    pub fn reset(&self, seeded: impl IntoIterator<Item = (String, String, Entity)>) {
        let mut inner = crate::faults::lock(&self.0);
        *inner = Inner::default();
        for (collection, id, entity) in seeded {
            inner.insert(&collection, id, entity, true);
        }
    }
}

impl Store {
    /// A collection's entities as lists show them (seeded, then created,
    /// without the deleted), each with its facts and whether it is
    /// archived.
    pub fn listed(&self, collection: &str) -> Vec<(String, Map<String, Value>, bool)> {
        let inner = crate::faults::lock(&self.0);
        inner
            .collections
            .get(collection)
            .into_iter()
            .flat_map(Collection::listed)
            .map(|(id, entity)| (id.to_string(), entity.facts.clone(), entity.archived))
            .collect()
    }
}

impl Inner {
    /// Stores an entity (replacing one of the same id); `listed`: lists
    /// show it.
    fn insert(&mut self, collection: &str, id: String, entity: Entity, listed: bool) {
        let held = self.collections.entry(collection.to_string()).or_default();
        match held.index.get(&id) {
            Some(&i) => held.slots[i].entity = entity,
            None => {
                held.index.insert(id.clone(), held.slots.len());
                held.slots.push(Slot {
                    id,
                    entity,
                    listed,
                    removed: false,
                });
                self.count += 1;
            }
        }
    }

    fn get(&self, collection: &str, id: &str) -> Option<&Entity> {
        let held = self.collections.get(collection)?;
        Some(&held.slots[*held.index.get(id)?].entity)
    }

    fn get_mut(&mut self, collection: &str, id: &str) -> Option<&mut Entity> {
        let held = self.collections.get_mut(collection)?;
        let i = *held.index.get(id)?;
        Some(&mut held.slots[i].entity)
    }

    fn remove(&mut self, collection: &str, id: &str) -> bool {
        let Some(held) = self.collections.get_mut(collection) else {
            return false;
        };
        let Some(i) = held.index.remove(id) else {
            return false;
        };
        held.slots[i].removed = true;
        held.removed += 1;
        self.count -= 1;
        if held.removed * 2 > held.slots.len() {
            held.compact();
        }
        true
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }
}

/// The answers of operations with a rule, made with what every described
/// answer depends on (the seed, the ids known, the store and its clock).
impl Described<'_> {
    /// Answers `op` by `rule`; `known` holds the request's parameters and
    /// body fields by name, `fingerprint` what identifies its query.
    pub fn remembered(
        &self,
        op: &Operation,
        rule: &StateRule,
        known: &Map<String, Value>,
        fingerprint: u64,
    ) -> Reply {
        let Some(collection) = rule.collection(known) else {
            return Reply::error(400, "the request names no entity");
        };
        let schema = match &op.answer {
            Answer::Json(schema) => Some(schema),
            _ => None,
        };
        let mut inner = crate::faults::lock(&self.store.0);
        let id = match rule.does {
            Does::Create => {
                if inner.count >= MAX_ENTITIES {
                    return Reply::error(507, "metronome-mock holds too many entities");
                }
                let now = inner.tick();
                let id = rule
                    .id_in(known)
                    .unwrap_or_else(|| self.new_id(&collection, now));
                let mut facts = self.facts_of(rule, known);
                let stamp = Value::String(self.instant(now));
                facts.entry("created_at").or_insert_with(|| stamp.clone());
                facts.entry("updated_at").or_insert(stamp);
                self.ids.remember(&id);
                inner.insert(
                    &collection,
                    id.clone(),
                    Entity {
                        facts,
                        archived: false,
                    },
                    true,
                );
                id
            }
            Does::List => {
                let Some(schema) = schema else {
                    return Reply::empty(op.success);
                };
                return self.list(op, rule, &inner, &collection, known, schema, fingerprint);
            }
            Does::Read | Does::Update | Does::Archive | Does::Delete => {
                let Some(id) = rule.id_in(known) else {
                    return Reply::error(400, "the request names no entity");
                };
                if let Some(entity) = inner.get(&collection, &id)
                    && let Some(scope) = &rule.scope
                    && let (Some(theirs), Some(asked)) = (entity.facts.get(scope), known.get(scope))
                    && theirs != asked
                {
                    return Reply::error(404, &format!("no {collection} {id} for {scope} {asked}"));
                }
                if rule.does == Does::Delete {
                    // Deleting what is not there: a 404 for a strict mock,
                    // done already otherwise.
                    if inner.remove(&collection, &id) {
                        self.ids.forget(&id);
                    } else if self.unknown_ids == super::described::UnknownIds::NotFound {
                        return Reply::error(404, &format!("no {collection} {id}"));
                    }
                } else if rule.does != Does::Read {
                    // An entity the store has no facts of yet (made from
                    // its id, or a seeded one of a scoped list) gets them.
                    let now = inner.tick();
                    let stamp = Value::String(self.instant(now));
                    let scope = rule
                        .scope
                        .as_ref()
                        .and_then(|s| Some((s.clone(), known.get(s)?.clone())));
                    if inner.get(&collection, &id).is_none() {
                        if inner.count >= MAX_ENTITIES {
                            return Reply::error(507, "metronome-mock holds too many entities");
                        }
                        // Not a creation: it takes no place in lists.
                        inner.insert(&collection, id.clone(), Entity::default(), false);
                    }
                    let entity = inner.get_mut(&collection, &id).expect("inserted above");
                    if let Some((name, value)) = scope {
                        entity.facts.entry(name).or_insert(value);
                    }
                    self.change(rule, known, entity, stamp);
                }
                id
            }
        };
        let Some(schema) = schema else {
            return Reply::empty(op.success);
        };
        let entity = inner.get(&collection, &id).cloned();
        if rule.does == Does::Read
            && entity.is_none()
            && self.unknown_ids == super::described::UnknownIds::NotFound
            && !self.ids.knows(&id)
        {
            return Reply::error(404, &format!("no {collection} {id}"));
        }
        let mut value = Synth::new(self.api, self.seed_of(&id), known).value(schema, "");
        if let Some(data) = value.get_mut("data").filter(|d| d.is_object()) {
            let data_schema = property(self.api, schema, "data").cloned();
            if let Some(data_schema) = data_schema {
                *data = self.render(&inner, &data_schema, rule, &id, entity.as_ref(), known);
            }
        }
        checked(self.api, op, schema, value)
    }

    /// A list: the collection's entities (seeded, then created) that the
    /// request's filters select, paged when the operation pages.
    #[allow(clippy::too_many_arguments)]
    fn list(
        &self,
        op: &Operation,
        rule: &StateRule,
        inner: &Inner,
        collection: &str,
        known: &Map<String, Value>,
        schema: &Value,
        fingerprint: u64,
    ) -> Reply {
        let scope = rule
            .scope
            .as_ref()
            .and_then(|s| Some((s.as_str(), known.get(s)?)));
        // Seeded entities of a scoped list are made per scope, from it.
        let mut seeded: Vec<(String, Entity)> = Vec::new();
        if let Some((name, value)) = scope {
            let scope_text = value.as_str().unwrap_or_default();
            for i in 0..rule.seeded {
                let id = seeded_id(self.api, self.seed, collection, scope_text, i);
                let mut entity = inner.get(collection, &id).cloned().unwrap_or_default();
                entity
                    .facts
                    .entry(name.to_string())
                    .or_insert_with(|| value.clone());
                for (fact, seeded) in &rule.sets {
                    entity
                        .facts
                        .entry(fact.clone())
                        .or_insert_with(|| seeded.clone());
                }
                seeded.push((id, entity));
            }
        }
        // Selected by reference: only the page is copied and rendered.
        let stored = inner
            .collections
            .get(collection)
            .into_iter()
            .flat_map(Collection::listed);
        let selects = selector(rule, scope, known);
        let selected: Vec<(&str, &Entity)> = seeded
            .iter()
            .map(|(id, entity)| (id.as_str(), entity))
            .chain(stored.filter(|(id, _)| !seeded.iter().any(|(s, _)| s == id)))
            .filter(|(id, entity)| selects(id, entity))
            .collect();
        let mut synth = Synth::new(self.api, crate::dataset::splitmix(fingerprint), known);
        let mut value = synth.value(schema, "");
        let Some(item) = property(self.api, schema, "data").map(|d| {
            self.api
                .resolve(d)
                .get("items")
                .cloned()
                .unwrap_or(Value::Null)
        }) else {
            return checked(self.api, op, schema, value);
        };
        let render = |range: std::ops::Range<usize>| -> Vec<Value> {
            selected[range]
                .iter()
                .map(|&(id, entity)| {
                    self.ids.remember(id);
                    self.render(inner, &item, rule, id, Some(entity), known)
                })
                .collect()
        };
        match &op.page {
            Some(page) => {
                let listed = super::described::Listed {
                    api: self.api,
                    schema,
                    page,
                    known,
                    fingerprint,
                    cursors: self.cursors,
                };
                if let Err(reply) = listed.fill(&mut value, selected.len(), render) {
                    return reply;
                }
            }
            None => value["data"] = Value::Array(render(0..selected.len())),
        }
        checked(self.api, op, schema, value)
    }

    /// An entity as an answer's item of `schema`: made from its id, its
    /// facts written over it.
    fn render(
        &self,
        store: &Inner,
        schema: &Value,
        rule: &StateRule,
        id: &str,
        entity: Option<&Entity>,
        known: &Map<String, Value>,
    ) -> Value {
        let mut synth = Synth::new(self.api, self.seed_of(id), known);
        let mut value = synth.value(schema, "");
        let Some((target, target_schema)) = descend(self.api, &mut value, schema, &rule.at) else {
            return value;
        };
        let empty = Entity::default();
        let entity = entity.unwrap_or(&empty);
        self.fill(target, target_schema, id, entity, &rule.into);
        // Arrays listing the entities that belong to this one (a contract's
        // amendments), each filled the same way.
        for (field, collection, by) in &rule.children {
            let Some(items) = property(self.api, target_schema, field)
                .and_then(|array| self.api.resolve(array).get("items"))
            else {
                continue;
            };
            let owner = Value::String(id.to_string());
            let children: Vec<Value> = store
                .collections
                .get(collection)
                .into_iter()
                .flat_map(Collection::listed)
                .filter(|(_, child)| child.facts.get(by) == Some(&owner))
                .map(|(child_id, child)| {
                    let mut made =
                        Synth::new(self.api, self.seed_of(child_id), known).value(items, "");
                    self.fill(&mut made, items, child_id, child, &[]);
                    made
                })
                .collect();
            if let Some(object) = target.as_object_mut() {
                object.insert(field.clone(), Value::Array(children));
            }
        }
        value
    }

    /// Writes an entity's id and facts over a value made from its schema
    /// (and into the objects `into` names), and its `archived_at`.
    fn fill(
        &self,
        target: &mut Value,
        target_schema: &Value,
        id: &str,
        entity: &Entity,
        into: &[Vec<String>],
    ) {
        if let Some(object) = target.as_object_mut()
            && (object.contains_key("id") || property(self.api, target_schema, "id").is_some())
        {
            object.insert("id".into(), Value::String(id.to_string()));
        }
        self.overlay(target, target_schema, &entity.facts);
        for path in into {
            if let Some((inner, inner_schema)) = descend(self.api, target, target_schema, path) {
                self.overlay(inner, inner_schema, &entity.facts);
            }
        }
        // `archived_at`: the instant it was archived, or none.
        if let Some(object) = target.as_object_mut()
            && let Some(field) = property(self.api, target_schema, "archived_at")
        {
            if entity.archived {
                if let Some(at) = entity.facts.get("archived_at") {
                    object.insert("archived_at".into(), at.clone());
                }
            } else if validate::check(self.api, field, &Value::Null, "", Mode::Response).is_ok() {
                object.insert("archived_at".into(), Value::Null);
            } else if !required(self.api, target_schema).contains(&"archived_at".to_string()) {
                object.remove("archived_at");
            }
        }
    }

    /// Writes each fact over the field of the same name, where it fits.
    fn overlay(&self, target: &mut Value, schema: &Value, facts: &Map<String, Value>) {
        let Some(object) = target.as_object_mut() else {
            return;
        };
        for (name, fact) in facts {
            if name == "id" {
                continue;
            }
            let Some(field) = property(self.api, schema, name) else {
                continue;
            };
            if validate::check(self.api, field, fact, "", Mode::Response).is_ok() {
                object.insert(name.clone(), fact.clone());
            }
        }
    }

    /// What a create remembers: the request's fields (those naming the
    /// entity too: a custom field key's `entity` and `key`), and the rule's
    /// own facts.
    fn facts_of(&self, rule: &StateRule, known: &Map<String, Value>) -> Map<String, Value> {
        let mut facts: Map<String, Value> = known
            .iter()
            .filter(|(name, value)| *name != "id" && !value.is_null())
            .map(|(k, v)| (rule.fact_name(k).to_string(), v.clone()))
            .collect();
        for (name, value) in &rule.sets {
            facts.insert(name.clone(), value.clone());
        }
        facts
    }

    /// An update's or archive's change to `entity`.
    fn change(
        &self,
        rule: &StateRule,
        known: &Map<String, Value>,
        entity: &mut Entity,
        stamp: Value,
    ) {
        let keep = |name: &String| {
            !rule.id.contains(name)
                && rule.scope.as_ref() != Some(name)
                && rule.merge.as_ref() != Some(name)
                && rule.remove.as_ref().is_none_or(|(field, _)| field != name)
                && rule.entity != crate::openapi::state::EntityName::From(name.clone())
        };
        for (name, value) in known {
            if keep(name) && !value.is_null() {
                entity
                    .facts
                    .insert(rule.fact_name(name).to_string(), value.clone());
            }
        }
        if let Some(name) = &rule.merge
            && let Some(Value::Object(more)) = known.get(name)
        {
            let map = entity
                .facts
                .entry(name.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(map) = map.as_object_mut() {
                for (key, value) in more {
                    map.insert(key.clone(), value.clone());
                }
            }
        }
        if let Some((field, fact)) = &rule.remove
            && let Some(Value::Array(keys)) = known.get(field)
            && let Some(Value::Object(map)) = entity.facts.get_mut(fact)
        {
            for key in keys.iter().filter_map(Value::as_str) {
                map.remove(key);
            }
        }
        for (name, value) in &rule.sets {
            entity.facts.insert(name.clone(), value.clone());
        }
        if rule.does == Does::Archive {
            entity.archived = true;
            entity.facts.insert("archived_at".into(), stamp.clone());
        }
        entity.facts.insert("updated_at".into(), stamp);
    }

    fn seed_of(&self, id: &str) -> u64 {
        mix(self.seed, fingerprint(id))
    }

    /// The id of the `now`-th change's new entity.
    fn new_id(&self, collection: &str, now: u64) -> String {
        let mut synth = Synth::new(
            self.api,
            mix(self.seed, mix(now, fingerprint(collection))),
            &EMPTY,
        );
        synth.uuid()
    }

    fn instant(&self, seconds: u64) -> String {
        (self.epoch + chrono::TimeDelta::seconds(seconds as i64))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }
}

/// The `i`-th seeded entity of a collection (in a scope, or none).
pub(crate) fn seeded_id(api: &Api, seed: u64, collection: &str, scope: &str, i: usize) -> String {
    let base = fingerprint((collection, scope, i));
    Synth::new(api, mix(seed, base), &EMPTY).uuid()
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// Whether a list's request selects an entity: the request's values are
/// looked up once, then each entity is compared without copying anything.
fn selector<'a>(
    rule: &'a StateRule,
    scope: Option<(&'a str, &'a Value)>,
    known: &'a Map<String, Value>,
) -> impl Fn(&str, &Entity) -> bool + 'a {
    let filters: Vec<(&Filter, Option<&Value>)> = rule
        .filters
        .iter()
        .map(|(field, filter)| (filter, known.get(field).filter(|v| !v.is_null())))
        .collect();
    let archived_shown = filters.iter().any(|(filter, _)| {
        matches!(
            filter,
            Filter::OnlyArchived | Filter::IncludeArchived | Filter::ArchivedOrNot
        )
    });
    move |id: &str, entity: &Entity| {
        // The fact `name` is `value` (`id` is the entity's id).
        let is = |name: &str, value: &Value| {
            if name == "id" {
                value.as_str() == Some(id)
            } else {
                entity.facts.get(name) == Some(value)
            }
        };
        if let Some((name, value)) = scope
            && !is(name, value)
        {
            return false;
        }
        for &(filter, asked) in &filters {
            let keep = match filter {
                Filter::OnlyArchived => (asked == Some(&Value::Bool(true))) == entity.archived,
                Filter::IncludeArchived => !entity.archived || asked == Some(&Value::Bool(true)),
                Filter::ArchivedOrNot => match asked.and_then(Value::as_str) {
                    Some("ARCHIVED") => entity.archived,
                    Some("ALL") => true,
                    _ => !entity.archived,
                },
                Filter::Equals(name) => asked.is_none_or(|asked| is(name, asked)),
                Filter::AnyOf(name) => match asked {
                    Some(Value::Array(values)) => values.iter().any(|v| is(name, v)),
                    _ => true,
                },
                // An entity without the instant is kept.
                Filter::AtOrAfter(name) => asked.is_none_or(|asked| {
                    compare(entity.facts.get(name.as_str()), asked).is_none_or(|o| o.is_ge())
                }),
                Filter::Before(name) => asked.is_none_or(|asked| {
                    compare(entity.facts.get(name.as_str()), asked).is_none_or(|o| o.is_lt())
                }),
                Filter::Covers(start, end) => asked.is_none_or(|asked| {
                    compare(entity.facts.get(start.as_str()), asked).is_none_or(|o| o.is_le())
                        && compare(entity.facts.get(end.as_str()), asked).is_none_or(|o| o.is_gt())
                }),
                Filter::Contains(name) => asked.is_none_or(|asked| {
                    entity
                        .facts
                        .get(name.as_str())
                        .and_then(Value::as_array)
                        .is_some_and(|held| held.contains(asked))
                }),
            };
            if !keep {
                return false;
            }
        }
        // A list without a word on archived entities leaves them out.
        archived_shown || !entity.archived
    }
}

/// How an entity's instant compares with a request's (both RFC 3339);
/// `None` when either is missing or not an instant.
fn compare(fact: Option<&Value>, asked: &Value) -> Option<std::cmp::Ordering> {
    let instant = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str()?).ok();
    Some(instant(fact?)?.cmp(&instant(asked)?))
}

/// The object at `path` inside `value`, with its schema (made when the
/// made value left it out).
fn descend<'v, 's>(
    api: &'s Api,
    value: &'v mut Value,
    schema: &'s Value,
    path: &[String],
) -> Option<(&'v mut Value, &'s Value)> {
    let mut at = value;
    let mut schema = schema;
    for name in path {
        schema = property(api, schema, name)?;
        at = at.as_object_mut()?.get_mut(name)?;
    }
    at.is_object().then_some((at, schema))
}

fn required(api: &Api, schema: &Value) -> Vec<String> {
    crate::openapi::schema::flatten(&api.tree, schema)
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

//! What an operation does to the mock's memory, as `x-mock-state` in the
//! description says: which entity it creates, reads, lists, updates,
//! archives or deletes, where the request names that entity, and how a
//! list selects. The rule is data; [`crate::routes::stateful`] carries it
//! out for every operation that has one.
//!
//! ```yaml
//! x-mock-state:
//!   entity: customer          # or {from: entity}: named by a request field
//!   does: list                # create | read | list | update | archive | delete
//!   id: customer_id           # the field naming the entity (several: joined by `/`)
//!   scope: customer_id        # the entity belongs to what this field names
//!   at: alert                 # where the entity sits in an answer's item
//!   into: [initial, current]  # objects of the entity its facts also fill
//!   rename: {alert_type: type}  # a request field remembered under another name
//!   sets: {status: VOID}      # facts the operation sets, besides the request's
//!                             # (on a list: the facts of its seeded entities)
//!   merge: custom_fields      # a map the request's map is merged into
//!   remove: {keys: custom_fields}  # a list of keys removed from a map fact
//!   seeded: 3                 # entities there are before any create
//!   children:                 # an array field listing another collection's
//!     amendments: {entity: contract_amendment, by: contract_id}  # entities
//!   filters:                  # request field → how a list selects
//!     ingest_alias: {contains: ingest_aliases}
//!     customer_ids: {any_of: id}
//!     customer_id: {equals: customer_id}
//!     only_archived: only_archived       # or include_archived, archive_filter
//!     starting_at: {at_or_after: starting_at}     # instants; also `before`
//!     covering_date: {covers: [starting_at, ending_before]}
//! ```

use serde_json::{Map, Value};

/// What an operation does to an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Does {
    Create,
    Read,
    List,
    Update,
    Archive,
    Delete,
}

/// Which collection an operation is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EntityName {
    /// Always this one (`customer`).
    Fixed(String),
    /// The one a request field names (`entity: contract`).
    From(String),
}

/// How a list selects by one request field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filter {
    /// The entity's fact equals the value.
    Equals(String),
    /// The value (a list) holds the entity's fact.
    AnyOf(String),
    /// The entity's fact (a list) holds the value.
    Contains(String),
    /// `true`: archived entities only; otherwise none of them.
    OnlyArchived,
    /// `true`: archived entities too.
    IncludeArchived,
    /// `ARCHIVED`, `NOT_ARCHIVED` (the default) or `ALL`.
    ArchivedOrNot,
    /// The entity's instant is at or after the value.
    AtOrAfter(String),
    /// The entity's instant is before the value.
    Before(String),
    /// The value falls in the entity's period: at or after its start,
    /// before its end (none: open).
    Covers(String, String),
}

/// An operation's `x-mock-state`.
#[derive(Debug, Clone)]
pub(crate) struct StateRule {
    pub entity: EntityName,
    pub does: Does,
    pub id: Vec<String>,
    pub scope: Option<String>,
    pub at: Vec<String>,
    pub into: Vec<Vec<String>>,
    /// Request fields remembered under another name.
    pub rename: Vec<(String, String)>,
    pub sets: Map<String, Value>,
    pub merge: Option<String>,
    /// The request field listing keys, and the map fact they leave.
    pub remove: Option<(String, String)>,
    pub seeded: usize,
    pub filters: Vec<(String, Filter)>,
    /// Array fields of the entity that list another collection's entities
    /// whose fact `by` is this entity's id: `(field, collection, by)`.
    pub children: Vec<(String, String, String)>,
}

impl StateRule {
    /// Reads an `x-mock-state`; `route` names the operation in errors.
    pub fn parse(route: &str, node: &Value) -> Result<Self, String> {
        let bad = |what: &str| format!("{route}: x-mock-state: {what}");
        let text = |v: &Value| v.as_str().map(str::to_string);
        let path = |v: &Value| -> Vec<String> {
            v.as_str()
                .map(|s| s.split('.').map(str::to_string).collect())
                .unwrap_or_default()
        };
        let entity = match node.get("entity") {
            Some(Value::String(name)) => EntityName::Fixed(name.clone()),
            Some(other) => EntityName::From(
                other
                    .get("from")
                    .and_then(text)
                    .ok_or_else(|| bad("entity is a name or {from: field}"))?,
            ),
            None => return Err(bad("no entity")),
        };
        let does = match node.get("does").and_then(Value::as_str) {
            Some("create") => Does::Create,
            Some("read") => Does::Read,
            Some("list") => Does::List,
            Some("update") => Does::Update,
            Some("archive") => Does::Archive,
            Some("delete") => Does::Delete,
            other => return Err(bad(&format!("does {other:?} is not an action"))),
        };
        let id = match node.get("id") {
            None => Vec::new(),
            Some(Value::Array(fields)) => fields.iter().filter_map(text).collect(),
            Some(field) => text(field).into_iter().collect(),
        };
        if id.is_empty()
            && matches!(
                does,
                Does::Read | Does::Update | Does::Archive | Does::Delete
            )
        {
            return Err(bad("names no id field"));
        }
        // The `name: value` entries of a mapping (none when absent).
        let entries = |key: &str| {
            node.get(key)
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
        };
        let filters = entries("filters")
            .map(|(field, how)| {
                let filter = match how {
                    Value::String(kind) => match kind.as_str() {
                        "only_archived" => Filter::OnlyArchived,
                        "include_archived" => Filter::IncludeArchived,
                        "archive_filter" => Filter::ArchivedOrNot,
                        _ => return Err(bad(&format!("filter {field}: {kind}?"))),
                    },
                    Value::Object(how) => {
                        let (kind, fact) = how
                            .iter()
                            .next()
                            .ok_or_else(|| bad(&format!("filter {field} is empty")))?;
                        if kind == "covers" {
                            let pair: Vec<String> = fact
                                .as_array()
                                .into_iter()
                                .flatten()
                                .filter_map(text)
                                .collect();
                            let [start, end] = <[String; 2]>::try_from(pair).map_err(|_| {
                                bad(&format!("filter {field}: covers [start, end]"))
                            })?;
                            Filter::Covers(start, end)
                        } else {
                            let fact = text(fact).ok_or_else(|| bad("a filter names a fact"))?;
                            match kind.as_str() {
                                "equals" => Filter::Equals(fact),
                                "any_of" => Filter::AnyOf(fact),
                                "contains" => Filter::Contains(fact),
                                "at_or_after" => Filter::AtOrAfter(fact),
                                "before" => Filter::Before(fact),
                                _ => return Err(bad(&format!("filter {field}: {kind}?"))),
                            }
                        }
                    }
                    _ => return Err(bad(&format!("filter {field}"))),
                };
                Ok((field.clone(), filter))
            })
            .collect::<Result<_, _>>()?;
        let remove = match node.get("remove") {
            None => None,
            Some(Value::Object(map)) => {
                let (field, fact) = map.iter().next().ok_or_else(|| bad("remove is empty"))?;
                Some((field.clone(), text(fact).ok_or_else(|| bad("remove"))?))
            }
            Some(_) => return Err(bad("remove is {field: fact}")),
        };
        let children = entries("children")
            .map(|(field, child)| {
                let entity = child.get("entity").and_then(text);
                let by = child.get("by").and_then(text);
                match (entity, by) {
                    (Some(entity), Some(by)) => Ok((field.clone(), entity, by)),
                    _ => Err(bad(&format!("children {field}: {{entity, by}}"))),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(StateRule {
            children,
            entity,
            does,
            id,
            scope: node.get("scope").and_then(text),
            at: node.get("at").map(path).unwrap_or_default(),
            into: node
                .get("into")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(path)
                .collect(),
            rename: entries("rename")
                .filter_map(|(from, to)| Some((from.clone(), text(to)?)))
                .collect(),
            sets: node
                .get("sets")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            merge: node.get("merge").and_then(text),
            remove,
            seeded: node.get("seeded").and_then(Value::as_u64).unwrap_or(0) as usize,
            filters,
        })
    }

    /// The collection `known` (the request's fields) is about.
    pub fn collection(&self, known: &Map<String, Value>) -> Option<String> {
        match &self.entity {
            EntityName::Fixed(name) => Some(name.clone()),
            EntityName::From(field) => known.get(field)?.as_str().map(str::to_string),
        }
    }

    /// The name a request field is remembered under.
    pub fn fact_name<'a>(&'a self, field: &'a str) -> &'a str {
        self.rename
            .iter()
            .find(|(from, _)| from == field)
            .map_or(field, |(_, to)| to.as_str())
    }

    /// The id the request names: its `id` fields' values joined by `/`.
    pub fn id_in(&self, known: &Map<String, Value>) -> Option<String> {
        if self.id.is_empty() {
            return None;
        }
        let parts: Option<Vec<&str>> = self
            .id
            .iter()
            .map(|field| known.get(field)?.as_str())
            .collect();
        Some(parts?.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    /// The README's "What it remembers" names, for each entity, exactly the
    /// operations whose `x-mock-state` is about it (`customers.set_name`).
    #[test]
    fn the_readme_lists_every_operation_that_remembers() {
        let readme = include_str!("../../README.md");
        let api = crate::openapi::Api::get();
        let mut by_entity: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for item in api.tree["paths"].as_object().into_iter().flatten() {
            for op in item.1.as_object().into_iter().flatten().map(|(_, op)| op) {
                let Some(state) = op.get("x-mock-state") else {
                    continue;
                };
                let rule = StateRule::parse("test", state).unwrap();
                let label = match rule.entity {
                    EntityName::Fixed(name) => format!("**{name}**"),
                    EntityName::From(field) => format!("the entity named by `{field}`"),
                };
                let resource = op["x-resource"].as_str().unwrap();
                let resource = resource.strip_prefix("v1.").unwrap_or(resource);
                let method = op["x-method"].as_str().unwrap();
                by_entity
                    .entry(label)
                    .or_default()
                    .push(format!("{resource}.{method}"));
            }
        }
        assert!(by_entity.len() >= 12, "{by_entity:?}");
        for (label, mut operations) in by_entity {
            operations.sort();
            let quoted: Vec<String> = operations.iter().map(|o| format!("`{o}`")).collect();
            let line = format!("- {label}: {}", quoted.join(", "));
            assert!(
                readme.lines().any(|l| l == line),
                "README.md should list, under What it remembers:\n{line}"
            );
        }
    }

    #[test]
    fn a_rule_without_what_it_needs_is_refused_by_name() {
        let refused = |node: Value| StateRule::parse("POST /x", &node).unwrap_err();
        assert_eq!(
            refused(serde_json::json!({"entity": "customer", "does": "read"})),
            "POST /x: x-mock-state: names no id field"
        );
        assert!(refused(serde_json::json!({"entity": "customer", "does": "fly"})).contains("fly"));
        assert!(
            refused(
                serde_json::json!({"entity": "c", "does": "list", "filters": {"a": {"near": "b"}}})
            )
            .contains("filter a")
        );
    }
}

//! The operation model: built once from the normalised description and
//! the syntax tree progenitor generated from it, then read by every
//! emitter (the client layer, its per-operation tests, OPERATIONS.md, the
//! low-level pagination impls).
//!
//! Facts (required, constraints, docs, grouping, pagination) come from the
//! description; Rust types from the syntax tree, never guessed.

pub mod syntax;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::{Context, Result, bail};
use heck::{ToPascalCase, ToSnakeCase};
use serde_json::Value;
use syn::{Fields, Type};

use crate::load::{self, flatten_schema as flatten, resolve};
use crate::pagination::{self, Send};
use syntax::{Types, field, generic_args, last_ident, optional, squash};

pub use syntax::qualify;

/// How a value of one Rust type is taken from a caller.
#[derive(Clone)]
pub enum Kind {
    Id,
    Timestamp,
    Text,
    Bool,
    /// A number type written as is (`f64`, `i64`, `u64`).
    Number(syn::Ident),
    /// `NonZeroU64`, taken as a `u64`.
    NonZero,
    /// A closed string enum of the types module, by name.
    Enum(syn::Ident),
    /// A string newtype with its own checks (`FromStr`).
    NewText(Type),
    List(Box<Kind>),
    Other(Type),
}

/// The description's constraints on one value.
#[derive(Debug, Default, Clone)]
pub struct Limits {
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_properties: Option<u64>,
    /// The values a text (or each text of a list) may take: an enum the
    /// normalisation opened to any string (`x-known-values`), which a
    /// request must still keep to.
    pub known: Vec<String>,
    /// A closed enum's values (of the value, or of each item of a list),
    /// for the docs: the type checks them.
    pub values: Vec<String>,
    /// What the server assumes when the value is left out, as JSON.
    pub default: Option<Value>,
}

/// One argument of an operation: a parameter or a body property.
#[derive(Clone)]
pub struct Arg {
    /// The Rust name (field of the low-level builder or body).
    pub name: String,
    /// The setter's name (the Rust name, unless it would clash).
    pub setter: String,
    /// Its name on the wire, for messages.
    pub wire: String,
    pub kind: Kind,
    /// The type the low-level layer holds, as the client crate writes it.
    pub ty: Type,
    /// The same type as progenitor wrote it (for other crates' spellings).
    pub raw_ty: Type,
    pub required: bool,
    pub limits: Limits,
    pub doc: Option<String>,
    /// Its schema in the description (for examples).
    pub schema: Value,
    /// Where the argument goes.
    pub place: Place,
}

/// Where an argument is held and sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A query parameter.
    Parameter,
    /// A path parameter: one segment of the URL.
    Path,
    /// A property of the object body.
    BodyField,
    /// The list that is the whole body.
    BodyList,
}

impl Arg {
    /// The field of the client's builder that holds the argument.
    pub fn field(&self) -> String {
        match self.place {
            Place::Parameter | Place::Path => self.name.clone(),
            Place::BodyField => format!("body_{}", self.name),
            Place::BodyList => "body".to_string(),
        }
    }
}

/// What `send()` returns.
#[derive(Clone)]
pub enum Output {
    /// Nothing (an empty 200).
    Unit,
    /// Bytes (a PDF).
    Bytes,
    /// The body's `data`, unwrapped.
    Data(Type),
    /// The whole body.
    Body(Type),
    /// A page of items (walkable operations).
    Page(Type),
}

/// The request body.
pub enum Body {
    None,
    /// A struct of the types module, `types::X`.
    Object {
        ty: syn::Ident,
        fields: Vec<Arg>,
        /// The required properties' wire names, in the description's order.
        required: Vec<String>,
        /// Every field of the struct, in its order, and how it is filled.
        members: Vec<Member>,
    },
    /// A list body (`Vec<T>`): one positional argument.
    List(Box<Arg>),
}

/// One field of a body struct: its name, the argument that sets it (its
/// Rust name; `None` when no property of the description backs it), and
/// what it holds when the argument is not set.
pub struct Member {
    pub ident: syn::Ident,
    pub wire: String,
    pub arg: Option<String>,
    pub fill: Fill,
}

/// How a body field is filled from the builder's `Option` of its value.
#[derive(Clone)]
pub enum Fill {
    /// The field is an `Option`: as is.
    Option,
    /// Required: must be set (the builder's check saw to it).
    Required,
    /// Left out: the type's default (an empty list or map).
    Default,
    /// Left out: the default the description gives (a function of the
    /// types module, `defaults::…`), `Option` or not.
    DefaultFn { path: syn::ExprPath, optional: bool },
}

/// Where a page's next cursor is read in the low-level response.
#[derive(Debug, Clone)]
pub enum NextCursor {
    /// `response.<field>`.
    Field { name: String, cursor: CursorType },
    /// `response.<outer>.<inner>`, the outer struct optional or not.
    Nested {
        outer: String,
        outer_optional: bool,
        inner: String,
        cursor: CursorType,
    },
}

impl NextCursor {
    pub fn cursor(&self) -> CursorType {
        match self {
            NextCursor::Field { cursor, .. } | NextCursor::Nested { cursor, .. } => *cursor,
        }
    }
}

/// How a cursor field is typed: text or a uuid, optional or not.
#[derive(Debug, Clone, Copy)]
pub struct CursorType {
    pub optional: bool,
    pub uuid: bool,
}

/// `Option<String>`, `String`, `Option<Uuid>` or `Uuid`; anything else
/// cannot carry a cursor here.
fn cursor_type(ty: &Type) -> Option<CursorType> {
    let (optional, uuid) = match squash(ty).as_str() {
        "::std::option::Option<::std::string::String>" => (true, false),
        "::std::string::String" => (false, false),
        "::std::option::Option<::uuid::Uuid>" => (true, true),
        "::uuid::Uuid" => (false, true),
        _ => return None,
    };
    Some(CursorType { optional, uuid })
}

/// What the low-level crate needs to walk an operation (its `Paginated`
/// impl).
#[derive(Clone)]
pub struct LowLevelWalk {
    /// The low-level method, `usage_list`.
    pub method: String,
    /// Progenitor's response type (inside the generated module).
    pub response: Type,
    pub error: Type,
    /// The item type, as `types::X`.
    pub item: Type,
    pub next: NextCursor,
    /// Where the cursor goes back.
    pub send: Send,
    /// Whether the request's cursor field is typed as a uuid.
    pub sent_as_uuid: bool,
    /// Where the cursor comes back (`next_page`, `pagination.next_page`).
    pub receive: String,
}

/// Everything the emitters need of one operation.
pub struct Op {
    pub id: String,
    /// The low-level method, `usage_list`.
    pub method: String,
    /// The builder type, `UsageList`.
    pub builder: String,
    pub resource: Vec<String>,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub deprecated: bool,
    pub route: String,
    pub http_method: String,
    pub path: String,
    /// The 2xx response's schema (`Null` for none).
    pub response_schema: Value,
    pub params: Vec<Arg>,
    pub body: Body,
    pub output: Output,
    /// The cursor's field, left without a setter (the walk sets it).
    pub cursor: Option<String>,
    /// For walkable operations: where the cursor goes, and where the next
    /// one comes back (`next_page`, `pagination.next_page`).
    pub walk: Option<(Send, String)>,
    /// The cargo feature the operation is compiled with.
    pub feature: String,
    /// Where the operation is in the description (a JSON pointer).
    pub pointer: String,
    /// `x-period`: the wire names of a period's start and end.
    pub period: Option<(String, String)>,
    /// The success type (`types::X`; `()` for none, the byte stream for a
    /// document).
    pub response: Type,
    /// For walkable operations: the response and where its next cursor
    /// is (set once the walks are known).
    pub page: Option<LowLevelWalk>,
}

/// The most arguments an operation's method takes positionally.
pub const MAX_POSITIONAL: usize = 3;

impl Op {
    /// The positional arguments: every required argument (see `required`)
    /// when there are at most [`MAX_POSITIONAL`]; otherwise the first three
    /// of them by kind, ids first, then instants, then the rest, each in
    /// the description's order.
    pub fn positional(&self) -> Vec<&Arg> {
        let required = self.required();
        if required.len() <= MAX_POSITIONAL {
            return required;
        }
        // More than a call site can read: the ids and the required
        // instants stay positional (they say what the call is about); a
        // flag, an amount or a choice becomes a setter the request needs.
        let rank = |a: &&Arg| match a.kind {
            Kind::Id => 0,
            Kind::Timestamp => 1,
            _ => 2,
        };
        let mut ranked = required;
        ranked.sort_by_key(rank);
        ranked.truncate(MAX_POSITIONAL);
        ranked
    }

    /// Required arguments that are not positional: setters the request
    /// needs before it is sent.
    pub fn required_setters(&self) -> Vec<&Arg> {
        let positional = self.positional();
        self.required()
            .into_iter()
            .filter(|a| !positional.iter().any(|p| std::ptr::eq(*p, *a)))
            .collect()
    }

    /// Every required argument: path and required query parameters, then
    /// required body properties in the order of the schema's `required`
    /// list (or the list body).
    fn required(&self) -> Vec<&Arg> {
        let mut args: Vec<&Arg> = self
            .params
            .iter()
            .filter(|a| a.required && Some(&a.name) != self.cursor.as_ref())
            .collect();
        match &self.body {
            Body::Object {
                fields, required, ..
            } => args.extend(required.iter().filter_map(|wire| {
                fields
                    .iter()
                    .find(|a| &a.wire == wire && Some(&a.name) != self.cursor.as_ref())
            })),
            Body::List(a) => args.push(a),
            Body::None => {}
        }
        args
    }

    /// Every argument: parameters, then body properties (or the list body).
    pub fn args(&self) -> Vec<&Arg> {
        let mut args: Vec<&Arg> = self.params.iter().collect();
        match &self.body {
            Body::Object { fields, .. } => args.extend(fields),
            Body::List(a) => args.push(a),
            Body::None => {}
        }
        args
    }

    /// The arguments with setters: all but the cursor the walk sets.
    pub fn settable(&self) -> Vec<&Arg> {
        self.args()
            .into_iter()
            .filter(|a| a.place == Place::BodyList || Some(&a.name) != self.cursor.as_ref())
            .collect()
    }

    /// The arguments holding a period's start and end, which must come in
    /// that order: what the description's `x-period` names (checked to be
    /// two timestamps when the model is built).
    pub fn period(&self) -> Option<(&Arg, &Arg)> {
        let (start, end) = self.period.as_ref()?;
        let args = self.args();
        let find = |wire: &str| args.iter().copied().find(|a| a.wire == wire);
        Some((find(start)?, find(end)?))
    }

    /// The handle's path without `v1`: `["contracts", "rate_cards"]`.
    pub fn handle_path(&self) -> Vec<&str> {
        handle_segments(&self.resource)
    }
}

/// A handle's module in the generated code (`["v1", "customers",
/// "invoices"]` → `v1_customers_invoices`) and its file, named after the
/// resource (`v1/customers.invoices.rs`, `v2.rs`).
pub fn handle_module(resource: &[String]) -> (String, String) {
    let module = resource.join("_");
    let file = match resource {
        [version] => format!("{version}.rs"),
        [version, rest @ ..] => format!("{version}/{}.rs", rest.join(".")),
        [] => "mod.rs".to_string(),
    };
    (module, file)
}

/// The sha256 of what a file is generated from: the given operations of
/// the description and every component they reach through `$ref`s. A
/// change elsewhere in the description leaves it as it is.
pub fn input_hash(tree: &Value, ops: &[&Op]) -> String {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = ops.iter().map(|op| op.pointer.clone()).collect();
    let mut slice = BTreeMap::new();
    while let Some(pointer) = todo.pop() {
        if !seen.insert(pointer.clone()) {
            continue;
        }
        let Some(node) = tree.pointer(&pointer) else {
            continue;
        };
        collect_refs(node, &mut todo);
        slice.insert(pointer, node.clone());
    }
    let text = serde_json::to_string(&slice).unwrap_or_default();
    crate::generate::sha256(text.as_bytes())
}

fn collect_refs(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str)
                && let Some(pointer) = r.strip_prefix('#')
            {
                out.push(pointer.to_string());
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// A resource path without `v1` (v1 resources hang off the client
/// itself): `v1.contracts.rate_cards` → `["contracts", "rate_cards"]`.
pub fn handle_segments(resource: &[String]) -> Vec<&str> {
    resource
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "v1")
        .collect()
}

/// How a caller reaches a handle: `.contracts().rate_cards()`.
pub fn handle_chain(resource: &[String]) -> String {
    handle_segments(resource)
        .iter()
        .map(|s| format!(".{s}()"))
        .collect()
}

/// The handle type of a resource path (`v1.contracts.rate_cards` →
/// `ContractsRateCards`; `v2.contracts` → `V2Contracts`).
pub fn handle_name(resource: &[String]) -> String {
    handle_segments(resource).join("_").to_pascal_case()
}

/// A paginated operation that cannot be walked: (method, reason).
pub type NotWalkable = (String, String);

/// The model of a whole description.
pub struct Model {
    /// Every operation, in the description's order (path, then method).
    pub ops: Vec<Op>,
    /// The walk of each walkable operation, by builder name, in the
    /// pagination table's order.
    pub low_level_walks: Vec<(String, LowLevelWalk)>,
    /// Paginated operations that cannot be walked, and why.
    pub not_walkable: Vec<NotWalkable>,
    /// The string enums of the types module: name → wire values.
    pub enums: HashMap<String, Vec<String>>,
    /// Every operation's low-level name, HTTP method and path template,
    /// sorted by name.
    pub routes: Vec<(String, String, String)>,
}

impl Model {
    /// Builds the model. `file` is progenitor's output (before the
    /// pagination impls are added). Without `client`, only what the
    /// low-level crate needs (the walks): a description without the
    /// client's grouping (`x-resource`, `x-method`) generates that crate
    /// alone.
    pub fn build(tree: &Value, file: &syn::File, client: bool) -> Result<Model> {
        let types = Types::read(file);
        let paginated = pagination::find(tree);
        let (low_level_walks, not_walkable) = low_level_walks(&paginated, file, &types);
        let walkable: BTreeSet<&str> = low_level_walks.iter().map(|(b, _)| b.as_str()).collect();
        let mut ops = if client {
            operations(tree, file, &types, &walkable, &paginated)?
        } else {
            Vec::new()
        };
        for op in &mut ops {
            if matches!(op.output, Output::Page(_)) {
                op.page = low_level_walks
                    .iter()
                    .find(|(builder, _)| *builder == op.builder)
                    .map(|(_, walk)| walk.clone());
            }
        }
        let mut routes: Vec<(String, String, String)> = load::operations(tree)
            .map(|(path, method, op)| {
                let id = op["operationId"].as_str().unwrap_or_default();
                (id.to_snake_case(), method.to_uppercase(), path.to_string())
            })
            .collect();
        routes.sort();
        Ok(Model {
            ops,
            low_level_walks,
            not_walkable,
            enums: types.enums,
            routes,
        })
    }
}

/// The walks the low-level crate can do, and the paginated operations it
/// cannot walk (with the reason).
fn low_level_walks(
    paginated: &[pagination::Paginated],
    file: &syn::File,
    types: &Types,
) -> (Vec<(String, LowLevelWalk)>, Vec<NotWalkable>) {
    let sends = syntax::send_types(file);
    let bodies = syntax::body_types(file);
    let mut walks = Vec::new();
    let mut skipped = Vec::new();
    for op in paginated {
        let builder = op.operation_id.to_pascal_case();
        let attempt = || -> Result<LowLevelWalk, String> {
            let (response_ty, error_ty) = sends.get(&builder).ok_or("no builder with a `send`")?;
            let response = last_ident(response_ty)
                .and_then(|n| types.structs.get(&n))
                .ok_or("the response is not a generated struct")?;
            let data = field(response, "data").ok_or("no `data` field")?;
            let item = generic_args(data)
                .first()
                .map(|t| qualify(t, &syn::parse_quote!(types)))
                .ok_or("`data` is not a Vec")?;
            let next = next_cursor(types, response, &op.receive)?;
            let sent_as_uuid = match &op.send {
                Send::Body(name) => {
                    let body = bodies
                        .get(&builder)
                        .and_then(|b| types.structs.get(b))
                        .ok_or("no typed JSON body")?;
                    field(body, name)
                        .and_then(cursor_type)
                        .ok_or(format!(
                            "the body's `{name}` is neither a string nor a uuid"
                        ))?
                        .uuid
                }
                Send::Query(_) => next.cursor().uuid,
                Send::Nowhere => {
                    return Err("the request has no field to send the cursor back in".into());
                }
            };
            Ok(LowLevelWalk {
                method: op.method_name.clone(),
                response: response_ty.clone(),
                error: error_ty.clone(),
                item,
                next,
                send: op.send.clone(),
                sent_as_uuid,
                receive: op.receive.clone(),
            })
        };
        match attempt() {
            Ok(walk) => walks.push((builder, walk)),
            Err(reason) => skipped.push((op.method_name.clone(), reason)),
        }
    }
    (walks, skipped)
}

/// Where the next cursor is in `response`.
fn next_cursor(
    types: &Types,
    response: &syn::ItemStruct,
    receive: &str,
) -> Result<NextCursor, String> {
    match receive.split_once('.') {
        None => match field(response, receive).and_then(cursor_type) {
            Some(cursor) => Ok(NextCursor::Field {
                name: receive.to_string(),
                cursor,
            }),
            None => Err(format!("its `{receive}` is neither a string nor a uuid")),
        },
        Some((outer, inner)) => {
            let outer_ty = field(response, outer).ok_or(format!("no `{outer}` field"))?;
            let (outer_optional, nested) = match optional(outer_ty) {
                (true, arg) => (true, last_ident(arg)),
                (false, _) => (false, last_ident(outer_ty)),
            };
            let nested = nested
                .and_then(|n| types.structs.get(&n))
                .ok_or(format!("`{outer}` is not a generated struct"))?;
            let cursor = field(nested, inner).and_then(cursor_type).ok_or(format!(
                "its `{outer}.{inner}` is neither a string nor a uuid"
            ))?;
            Ok(NextCursor::Nested {
                outer: outer.to_string(),
                outer_optional,
                inner: inner.to_string(),
                cursor,
            })
        }
    }
}

/// The kind of a (non-optional) type.
fn kind(ty: &Type, types: &Types) -> Kind {
    let flat = squash(ty);
    match flat.as_str() {
        "::uuid::Uuid" => return Kind::Id,
        "::chrono::DateTime<::chrono::offset::Utc>" => return Kind::Timestamp,
        "::std::string::String" => return Kind::Text,
        "bool" => return Kind::Bool,
        "f64" | "i64" | "u64" | "i32" | "u32" => {
            return Kind::Number(syn::Ident::new(&flat, proc_macro2::Span::call_site()));
        }
        "::std::num::NonZeroU64" => return Kind::NonZero,
        _ => {}
    }
    if flat.starts_with("::std::vec::Vec<")
        && let Some(item) = generic_args(ty).first()
    {
        return Kind::List(Box::new(kind(item, types)));
    }
    let qualified = qualify(ty, &syn::parse_quote!(types));
    if let Some(name) = last_ident(ty).filter(|_| generic_args(ty).is_empty()) {
        if types.enums.contains_key(&name) {
            return Kind::Enum(syn::Ident::new(&name, proc_macro2::Span::call_site()));
        }
        let newtype = types.structs.get(&name).is_some_and(|s| {
            matches!(&s.fields, Fields::Unnamed(f) if f.unnamed.len() == 1
                && squash(&f.unnamed[0].ty) == "::std::string::String")
        });
        if newtype && types.from_str.contains(&name) {
            return Kind::NewText(qualified);
        }
    }
    Kind::Other(qualified)
}

fn limits(tree: &Value, schema: &Value) -> Limits {
    let schema = resolve(tree, schema);
    let schema = match schema.get("allOf").and_then(Value::as_array) {
        Some(parts) if parts.len() == 1 => resolve(tree, &parts[0]),
        _ => schema,
    };
    Limits {
        minimum: schema.get("minimum").and_then(Value::as_f64),
        maximum: schema.get("maximum").and_then(Value::as_f64),
        min_items: schema.get("minItems").and_then(Value::as_u64),
        max_items: schema.get("maxItems").and_then(Value::as_u64),
        min_length: schema.get("minLength").and_then(Value::as_u64),
        max_length: schema.get("maxLength").and_then(Value::as_u64),
        min_properties: schema.get("minProperties").and_then(Value::as_u64),
        known: listed(tree, schema, "x-known-values"),
        values: listed(tree, schema, "enum"),
        default: schema.get("default").cloned(),
    }
}

/// The strings a schema (or its items) lists under `key`.
fn listed(tree: &Value, schema: &Value, key: &str) -> Vec<String> {
    [schema, resolve(tree, &schema["items"])]
        .into_iter()
        .find_map(|s| s.get(key).and_then(Value::as_array))
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

/// A value's prose: its own description, else the description of the
/// schema it refers to (a `$ref`, or a single `allOf`).
fn description(tree: &Value, schema: &Value) -> Option<String> {
    let own = |s: &Value| {
        s.get("description")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
    };
    own(schema)
        .or_else(|| own(resolve(tree, schema)))
        .or_else(|| match schema.get("allOf").and_then(Value::as_array) {
            Some(parts) if parts.len() == 1 => own(resolve(tree, &parts[0])),
            _ => None,
        })
}

/// Setter names a builder keeps for itself.
const RESERVED: &[&str] = &["send", "query", "request", "new", "max_retries", "timeout"];
/// And a list's builder besides.
const RESERVED_BY_WALKS: &[&str] = &["pages", "stream", "next_page", "max_pages", "prefetch"];

/// Reads every operation of the description and of the generated code.
fn operations(
    tree: &Value,
    file: &syn::File,
    types: &Types,
    walkable: &BTreeSet<&str>,
    paginated: &[pagination::Paginated],
) -> Result<Vec<Op>> {
    let builders = syntax::builder_fields(file);
    let sends = syntax::send_types(file);
    let paginated: HashMap<&str, &pagination::Paginated> = paginated
        .iter()
        .map(|p| (p.operation_id.as_str(), p))
        .collect();
    let in_types: syn::Path = syn::parse_quote!(types);
    let mut ops = Vec::new();
    for (path, method, op) in load::operations(tree) {
        let id = op["operationId"].as_str().unwrap_or_default().to_string();
        let at = format!("{} {path} ({id})", method.to_uppercase());
        let resource: Vec<String> = op["x-resource"]
            .as_str()
            .with_context(|| format!("{at}: no x-resource"))?
            .split('.')
            .map(str::to_string)
            .collect();
        let name = op["x-method"]
            .as_str()
            .with_context(|| format!("{at}: no x-method"))?
            .to_string();
        let builder = id.to_pascal_case();
        let fields = builders
            .get(&builder)
            .with_context(|| format!("{at}: no low-level builder {builder}"))?;
        let page = paginated
            .get(id.as_str())
            .filter(|_| walkable.contains(builder.as_str()));
        let cursor = page.and_then(|p| match &p.send {
            Send::Query(n) | Send::Body(n) => Some(n.to_snake_case()),
            Send::Nowhere => None,
        });
        let mut params = Vec::new();
        for p in op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let p = resolve(tree, p);
            let wire = p["name"].as_str().unwrap_or_default().to_string();
            let snake = wire.to_snake_case();
            let Some((name, ty)) = [snake.clone(), format!("{snake}_")]
                .into_iter()
                .find_map(|n| fields.get(&n).map(|t| (n, t)))
            else {
                bail!("{at}: the low-level builder has no `{snake}`");
            };
            let (_, inner) = optional(ty);
            params.push(Arg {
                kind: kind(inner, types),
                ty: qualify(inner, &in_types),
                raw_ty: inner.clone(),
                setter: name.clone(),
                name,
                wire,
                required: p["required"].as_bool().unwrap_or(false),
                limits: limits(tree, &p["schema"]),
                schema: p["schema"].clone(),
                doc: p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .or_else(|| description(tree, &p["schema"])),
                place: if p["in"] == "path" {
                    Place::Path
                } else {
                    Place::Parameter
                },
            });
        }
        let body = match fields.get("body") {
            None => Body::None,
            Some(ty) => {
                let flat = squash(ty);
                let schema = op
                    .pointer("/requestBody/content/application~1json/schema")
                    .map(|s| resolve(tree, s))
                    .unwrap_or(&Value::Null);
                if let Some(name) = flat.strip_prefix("types::builder::") {
                    let structure = types
                        .structs
                        .get(name)
                        .with_context(|| format!("{at}: no body struct {name}"))?;
                    let fields = body_fields(tree, schema, structure, types);
                    let required = required_names(tree, schema);
                    Body::Object {
                        ty: syn::Ident::new(name, proc_macro2::Span::call_site()),
                        members: members(structure, &fields, &required),
                        fields,
                        required,
                    }
                } else if flat.starts_with("::std::vec::Vec<") {
                    let (_, inner) = optional(ty);
                    // Named after its items: a list of `UsageEvent` is `usage_events`.
                    let item = generic_args(inner)
                        .first()
                        .and_then(|t| last_ident(t))
                        .unwrap_or_else(|| "item".into());
                    let plural = format!("{}s", item.to_snake_case());
                    Body::List(Box::new(Arg {
                        name: plural.clone(),
                        setter: plural.clone(),
                        wire: plural,
                        kind: kind(inner, types),
                        ty: qualify(inner, &in_types),
                        raw_ty: inner.clone(),
                        required: true,
                        limits: limits(tree, schema),
                        schema: schema.clone(),
                        doc: description(tree, schema),
                        place: Place::BodyList,
                    }))
                } else {
                    bail!("{at}: a body of type {flat} is not supported");
                }
            }
        };
        let (response, _) = sends
            .get(&builder)
            .with_context(|| format!("{at}: no send()"))?;
        let output = if page.is_some() {
            Output::Page(page_item(response, types).with_context(|| format!("{at}: page item"))?)
        } else {
            match squash(response).as_str() {
                "()" => Output::Unit,
                "ByteStream" | "::progenitor_client::ByteStream" => Output::Bytes,
                _ => {
                    let data = last_ident(response)
                        .and_then(|name| types.structs.get(&name))
                        .and_then(|s| match &s.fields {
                            Fields::Named(f) if f.named.len() == 1 => f
                                .named
                                .iter()
                                .find(|x| x.ident.as_ref().is_some_and(|i| i == "data"))
                                .map(|x| qualify(&x.ty, &in_types)),
                            _ => None,
                        });
                    match data {
                        Some(d) => Output::Data(d),
                        None => Output::Body(qualify(response, &in_types)),
                    }
                }
            }
        };
        let walk = matches!(output, Output::Page(_));
        let mut taken: BTreeSet<String> = BTreeSet::new();
        let mut rename = |arg: &mut Arg| {
            let reserved = RESERVED.contains(&arg.setter.as_str())
                || (walk && RESERVED_BY_WALKS.contains(&arg.setter.as_str()));
            if reserved || taken.contains(&arg.setter) {
                arg.setter = format!("set_{}", arg.setter);
            }
            taken.insert(arg.setter.clone());
        };
        for p in &mut params {
            rename(p);
        }
        let mut body = body;
        match &mut body {
            Body::Object { fields, .. } => fields.iter_mut().for_each(&mut rename),
            Body::List(a) => rename(a),
            Body::None => {}
        }
        let period = match op.get("x-period") {
            None => None,
            Some(p) => {
                let name = |key: &str| p.get(key).and_then(Value::as_str).map(str::to_string);
                match (name("start"), name("end")) {
                    (Some(start), Some(end)) => Some((start, end)),
                    _ => {
                        bail!("{at}: x-period needs `start` and `end`, the names of two arguments")
                    }
                }
            }
        };
        if let Some(p) = params.iter().find(|p| {
            matches!(
                p.name.as_str(),
                "client" | "problems" | "body" | "limits" | "options"
            )
        }) {
            bail!(
                "{at}: a parameter named `{}` clashes with the builder's own fields",
                p.name
            );
        }
        ops.push(Op {
            method: id.to_snake_case(),
            builder,
            id,
            resource,
            name,
            summary: op["summary"].as_str().unwrap_or_default().to_string(),
            description: op["description"].as_str().unwrap_or_default().to_string(),
            deprecated: op["deprecated"].as_bool().unwrap_or(false),
            route: format!("{} {path}", method.to_uppercase()),
            http_method: method.to_uppercase(),
            path: path.to_string(),
            response_schema: op
                .pointer("/responses/200/content/application~1json/schema")
                .cloned()
                .unwrap_or(Value::Null),
            params,
            body,
            output,
            cursor,
            walk: page.map(|p| (p.send.clone(), p.receive.clone())),
            feature: op["tags"][0].as_str().unwrap_or_default().to_string(),
            response: qualify(response, &in_types),
            page: None,
            pointer: format!("/paths/{}/{method}", load::pointer_escape(path)),
            period,
        });
        if let Some(op) = ops.last() {
            check_period(op, &at)?;
        }
    }
    Ok(ops)
}

/// An `x-period` names two timestamp arguments of its operation.
fn check_period(op: &Op, at: &str) -> Result<()> {
    let Some((start, end)) = &op.period else {
        return Ok(());
    };
    for wire in [start, end] {
        match op.args().into_iter().find(|a| &a.wire == wire) {
            Some(a) if matches!(a.kind, Kind::Timestamp) => {}
            Some(_) => bail!("{at}: x-period names `{wire}`, which is not a date-time"),
            None => bail!("{at}: x-period names `{wire}`, which is no argument of the operation"),
        }
    }
    Ok(())
}

/// The item type of a page: the `data` field's `Vec<T>`.
fn page_item(response: &Type, types: &Types) -> Option<Type> {
    let s = types.structs.get(&last_ident(response)?)?;
    let data = field(s, "data")?;
    generic_args(data)
        .first()
        .map(|t| qualify(t, &syn::parse_quote!(types)))
}

/// The properties of an object body, in the description's order.
fn body_fields(
    tree: &Value,
    schema: &Value,
    structure: &syn::ItemStruct,
    types: &Types,
) -> Vec<Arg> {
    let Fields::Named(named) = &structure.fields else {
        return Vec::new();
    };
    let mut by_wire: BTreeMap<String, (&syn::Ident, &Type)> = BTreeMap::new();
    for f in &named.named {
        let Some(ident) = f.ident.as_ref() else {
            continue;
        };
        let wire = syntax::serde_rename(&f.attrs).unwrap_or_else(|| ident.to_string());
        by_wire.insert(wire, (ident, &f.ty));
    }
    let flat = flatten(tree, schema);
    let required: BTreeSet<String> = required_names(tree, schema).into_iter().collect();
    let mut out = Vec::new();
    let properties = flat.get("properties").and_then(Value::as_object);
    for (wire, schema) in properties.into_iter().flatten() {
        let Some((ident, ty)) = by_wire.get(wire) else {
            continue;
        };
        let (is_option, inner) = optional(ty);
        let kind = kind(inner, types);
        let mut limits = limits(tree, schema);
        // An optional list the body holds bare (not `Option`) is left out of
        // the JSON when empty, which the server reads as "no filter": an
        // empty list set on purpose would widen the request silently, so it
        // is refused. A required one always goes out (`[]` is a value: no
        // aliases left), so the description's bounds stand.
        let required_here = required.contains(wire);
        if !is_option
            && !required_here
            && matches!(kind, Kind::List(_))
            && limits.min_items.is_none()
        {
            limits.min_items = Some(1);
        }
        out.push(Arg {
            setter: ident.to_string(),
            name: ident.to_string(),
            wire: wire.clone(),
            kind,
            ty: qualify(inner, &syn::parse_quote!(types)),
            raw_ty: inner.clone(),
            required: required.contains(wire),
            limits,
            schema: schema.clone(),
            doc: description(tree, schema),
            place: Place::BodyField,
        });
    }
    out
}

/// Every field of a body struct, with the argument that sets it and how
/// it is filled when that is not set (as progenitor's type builder fills
/// it: the description's default, an empty value, `None`).
fn members(structure: &syn::ItemStruct, fields: &[Arg], required: &[String]) -> Vec<Member> {
    let Fields::Named(named) = &structure.fields else {
        return Vec::new();
    };
    named
        .named
        .iter()
        .filter_map(|f| {
            let ident = f.ident.clone()?;
            let wire = syntax::serde_rename(&f.attrs).unwrap_or_else(|| ident.to_string());
            let arg = fields
                .iter()
                .find(|a| ident == a.name)
                .map(|a| a.name.clone());
            let (is_option, _) = optional(&f.ty);
            let fill = if let Some(path) = crate::constructors::serde_default_fn(f) {
                Fill::DefaultFn {
                    path,
                    optional: is_option,
                }
            } else if is_option {
                Fill::Option
            } else if required.contains(&wire) {
                Fill::Required
            } else {
                Fill::Default
            };
            Some(Member {
                ident,
                wire,
                arg,
                fill,
            })
        })
        .collect()
}

/// A schema's required property names (`allOf` merged), in the
/// description's order.
fn required_names(tree: &Value, schema: &Value) -> Vec<String> {
    flatten(tree, schema)
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The emitters' fixture (`xtask/tests/fixture/openapi.yaml`) holds
    /// one operation of each shape the emitters know: if a shape is
    /// dropped from it, its golden files stop covering that shape.
    #[test]
    fn the_fixture_has_every_shape() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixture/openapi.yaml");
        let mut tree = crate::load::read(std::path::Path::new(path)).unwrap().tree;
        crate::normalize::run(&mut tree);
        let model = crate::generate::generate(&tree, true).unwrap().model;
        let ops = &model.ops;
        let any = |shape: &dyn Fn(&Op) -> bool| ops.iter().any(shape);
        let walks = |send: &dyn Fn(&Send) -> bool, receive: &str| {
            any(&|op| {
                op.walk
                    .as_ref()
                    .is_some_and(|(s, r)| send(s) && r == receive)
            })
        };
        assert!(
            walks(&|s| matches!(s, Send::Query(_)), "next_page"),
            "query cursor"
        );
        assert!(
            walks(&|s| matches!(s, Send::Body(_)), "next_page"),
            "body cursor"
        );
        assert!(walks(&|_| true, "pagination.next_page"), "nested cursor");
        assert!(
            model
                .low_level_walks
                .iter()
                .any(|(_, w)| w.next.cursor().uuid),
            "uuid cursor"
        );
        assert!(
            any(&|op| matches!(&op.body, Body::List(a) if a.limits.max_items.is_some())),
            "a list body with maxItems"
        );
        assert!(
            any(&|op| op.params.iter().any(|p| matches!(p.kind, Kind::Enum(_)))),
            "an enum parameter"
        );
        assert!(
            any(&|op| op.params.iter().any(|p| p.place == Place::Path
                && matches!(p.kind, Kind::NewText(_))
                && !p.limits.known.is_empty())),
            "a text path parameter with known values"
        );
        assert!(
            any(&|op| op.positional().len() == MAX_POSITIONAL && !op.required_setters().is_empty()),
            "more required arguments than are positional"
        );
        assert!(any(&|op| op.deprecated), "a deprecated operation");
        assert!(
            any(&|op| matches!(op.output, Output::Bytes)),
            "a binary answer"
        );
        assert!(any(&|op| op.period().is_some()), "a period");
        assert!(
            any(&|op| matches!(op.output, Output::Unit)),
            "an empty answer"
        );
        assert!(
            any(&|op| matches!(op.output, Output::Data(_))),
            "a {{data}} envelope"
        );
        assert!(
            any(&|op| op.resource.first().is_some_and(|v| v == "v2")),
            "a v2 resource"
        );
        assert!(any(&|op| op.resource.len() > 2), "a nested handle");
    }
}

//! The per-operation layer of `metronome-client`, generated: for every
//! operation of the description, a request builder with its required
//! arguments positional, a setter per optional argument (with the client's
//! conversions and the description's constraints), `send()`, and for
//! paginated operations the walk (`pages()`, `stream()`); and the resource
//! handles that reach them the way Metronome's SDKs group the API
//! (`x-resource`, `x-method`): `client.contracts().rate_cards().rates().list(..)`.
//!
//! Types are read from the low-level client progenitor just generated (its
//! builders' fields, the body structs, the enums), never guessed; facts
//! (required, constraints, docs, grouping) from the description. The code
//! written here calls a small hand-written framework in
//! `crates/metronome-client/src/operation.rs`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;

use anyhow::{Context, Result, bail};
use heck::{ToPascalCase, ToSnakeCase};
use quote::ToTokens;
use serde_json::Value;
use syn::{Fields, GenericArgument, Item, PathArguments, Type};

use crate::emit_pagination::{generic_args, last_ident, module_items, send_types};
use crate::load::{self, flatten_schema as flatten, resolve};
use crate::pagination::{self, Send};

/// How a value of one Rust type is taken from a caller.
#[derive(Debug, Clone)]
enum Kind {
    Id,
    Timestamp,
    Text,
    Bool,
    /// A number type written as is (`f64`, `i64`, `u64`).
    Number(String),
    /// `NonZeroU64`, taken as a `u64`.
    NonZero,
    /// A closed string enum of the types module, with its wire values.
    Enum(String),
    /// A string newtype with its own checks (`FromStr`).
    NewText(String),
    List(Box<Kind>),
    Other(String),
}

/// What the generated code knows of the types module.
struct Types {
    structs: HashMap<String, syn::ItemStruct>,
    /// String enums: name → wire values.
    enums: HashMap<String, Vec<String>>,
    from_str: BTreeSet<String>,
}

fn types_module(file: &syn::File) -> Types {
    let mut types = Types {
        structs: HashMap::new(),
        enums: HashMap::new(),
        from_str: BTreeSet::new(),
    };
    for inner in module_items(file, "types") {
        match inner {
            Item::Struct(s) => {
                types.structs.insert(s.ident.to_string(), s.clone());
            }
            Item::Enum(e) => {
                let mut values = Vec::new();
                let unit = e.variants.iter().all(|v| matches!(v.fields, Fields::Unit));
                if !unit {
                    continue;
                }
                for v in &e.variants {
                    values.push(serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string()));
                }
                types.enums.insert(e.ident.to_string(), values);
            }
            Item::Impl(block) => {
                let is_from_str = block.trait_.as_ref().is_some_and(|(_, path, _)| {
                    path.segments.last().is_some_and(|s| s.ident == "FromStr")
                });
                if is_from_str && let Some(name) = last_ident(&block.self_ty) {
                    types.from_str.insert(name);
                }
            }
            _ => {}
        }
    }
    types
}

fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    for attr in attrs {
        if !attr.path().is_ident("serde") {
            continue;
        }
        let text = attr.meta.to_token_stream().to_string();
        if let Some(rest) = text.split("rename = \"").nth(1) {
            return rest.split('"').next().map(str::to_string);
        }
    }
    None
}

fn squash(ty: &Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "")
}

/// A type as the client crate writes it: paths into the types module
/// become `types::X`, absolute paths stay, generics are qualified too.
fn qualify(ty: &Type) -> String {
    let Type::Path(path) = ty else {
        return ty.to_token_stream().to_string();
    };
    let segments: Vec<String> = path
        .path
        .segments
        .iter()
        .map(|s| {
            let args = match &s.arguments {
                PathArguments::AngleBracketed(a) => {
                    let inner: Vec<String> = a
                        .args
                        .iter()
                        .map(|g| match g {
                            GenericArgument::Type(t) => qualify(t),
                            other => other.to_token_stream().to_string(),
                        })
                        .collect();
                    format!("<{}>", inner.join(", "))
                }
                _ => String::new(),
            };
            format!("{}{args}", s.ident)
        })
        .collect();
    let joined = segments.join("::");
    let std_or_types = joined.starts_with("types::")
        || ["Option<", "Vec<", "Box<"]
            .iter()
            .any(|p| joined.starts_with(p))
        || matches!(
            joined.as_str(),
            "bool" | "f64" | "f32" | "i64" | "u64" | "i32" | "u32" | "String"
        );
    if path.path.leading_colon.is_some() {
        format!("::{joined}")
    } else if std_or_types {
        joined
    } else {
        format!("types::{joined}")
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
        "f64" | "i64" | "u64" | "i32" | "u32" => return Kind::Number(flat),
        "::std::num::NonZeroU64" => return Kind::NonZero,
        _ => {}
    }
    if flat.starts_with("::std::vec::Vec<")
        && let Some(item) = generic_args(ty).first()
    {
        return Kind::List(Box::new(kind(item, types)));
    }
    let qualified = qualify(ty);
    if let Some(name) = last_ident(ty).filter(|_| generic_args(ty).is_empty()) {
        if types.enums.contains_key(&name) {
            return Kind::Enum(name);
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

/// `Option<T>` → (true, T).
fn optional(ty: &Type) -> (bool, &Type) {
    let flat = squash(ty);
    if (flat.starts_with("::std::option::Option<") || flat.starts_with("Option<"))
        && let Some(inner) = generic_args(ty).first()
    {
        return (true, inner);
    }
    (false, ty)
}

/// The description's constraints on one value.
#[derive(Debug, Default, Clone)]
struct Limits {
    minimum: Option<f64>,
    maximum: Option<f64>,
    min_items: Option<u64>,
    max_items: Option<u64>,
    min_length: Option<u64>,
    max_length: Option<u64>,
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
    }
}

/// One argument of an operation: a parameter or a body property.
#[derive(Debug, Clone)]
struct Arg {
    /// The Rust name (field of the low-level builder or body).
    name: String,
    /// The setter's name (the Rust name, unless it would clash).
    setter: String,
    /// Its name on the wire, for messages.
    wire: String,
    kind: Kind,
    /// The type the low-level layer holds.
    ty: String,
    required: bool,
    limits: Limits,
    doc: Option<String>,
    /// Its schema in the description (for the generated tests' examples).
    schema: Value,
}

/// The argument's conversion: `(parameter type, expression of a
/// Result<ty, String> built from `value`)`.
fn conversion(kind: &Kind, ty: &str) -> (String, String) {
    match kind {
        Kind::Id => ("impl IntoId".into(), "value.into_id()".into()),
        Kind::Timestamp => ("impl IntoTimestamp".into(), "value.into_timestamp()".into()),
        Kind::Text => (
            "impl Into<String>".into(),
            "Ok::<_, String>(value.into())".into(),
        ),
        Kind::Bool => ("bool".into(), "Ok::<_, String>(value)".into()),
        Kind::Number(n) => (n.clone(), "Ok::<_, String>(value)".into()),
        Kind::NonZero => (
            "u64".into(),
            "::std::num::NonZeroU64::new(value).ok_or_else(|| \"must be at least 1, got 0\".to_string())".into(),
        ),
        Kind::Enum(name) => (
            format!("impl IntoEnum<types::{name}>"),
            "value.into_enum()".into(),
        ),
        Kind::NewText(t) => (
            "impl Into<String>".into(),
            format!("value.into().parse::<{t}>().map_err(|e| e.to_string())"),
        ),
        Kind::List(item) => {
            let item_ty = match ty.strip_prefix("::std::vec::Vec<") {
                Some(rest) => rest.trim_end_matches('>').to_string(),
                None => "_".into(),
            };
            let (param, expr) = conversion(item, &item_ty);
            (
                format!("impl IntoIterator<Item = {param}>"),
                format!(
                    "value.into_iter().enumerate().map(|(i, value)| ({expr}).map_err(|e| format!(\"[{{i}}]: {{e}}\"))).collect::<Result<::std::vec::Vec<_>, String>>()"
                ),
            )
        }
        Kind::Other(t) => (format!("impl IntoValue<{t}>"), "value.into_value()".into()),
    }
}

/// The checks of the description's constraints, applied to a converted
/// `Result`.
fn checks(kind: &Kind, limits: &Limits) -> String {
    let bounds = |min: Option<String>, max: Option<String>| {
        let show = |v: Option<String>| v.map_or("None".to_string(), |v| format!("Some({v})"));
        (show(min), show(max))
    };
    let float = |v: f64| format!("{v:?}");
    match kind {
        Kind::Number(_) | Kind::NonZero if limits.minimum.is_some() || limits.maximum.is_some() => {
            let (min, max) = bounds(limits.minimum.map(float), limits.maximum.map(float));
            let value = if matches!(kind, Kind::NonZero) {
                "v.get() as f64"
            } else {
                "v as f64"
            };
            format!(".and_then(|v| check::range({value}, {min}, {max}).map(|()| v))")
        }
        Kind::List(_) if limits.min_items.is_some() || limits.max_items.is_some() => {
            let (min, max) = bounds(
                limits.min_items.map(|v| v.to_string()),
                limits.max_items.map(|v| v.to_string()),
            );
            format!(".and_then(|v| check::items(v.len(), {min}, {max}).map(|()| v))")
        }
        Kind::Text | Kind::NewText(_)
            if limits.min_length.is_some() || limits.max_length.is_some() =>
        {
            let (min, max) = bounds(
                limits.min_length.map(|v| v.to_string()),
                limits.max_length.map(|v| v.to_string()),
            );
            format!(".and_then(|v| check::length(v.chars().count(), {min}, {max}).map(|()| v))")
        }
        _ => String::new(),
    }
}

/// What `send()` returns.
#[derive(Debug, Clone)]
enum Output {
    /// Nothing (an empty 200).
    Unit,
    /// Bytes (a PDF).
    Bytes,
    /// The body's `data`, unwrapped.
    Data(String),
    /// The whole body.
    Body(String),
    /// A page of items (walkable operations).
    Page(String),
}

/// Everything the emitter needs of one operation.
struct Op {
    id: String,
    /// The low-level method, `usage_list`.
    method: String,
    /// The builder type, `UsageList`.
    builder: String,
    resource: Vec<String>,
    name: String,
    summary: String,
    description: String,
    deprecated: bool,
    route: String,
    http_method: String,
    path: String,
    /// The 2xx response's schema (`Null` for none).
    response_schema: Value,
    params: Vec<Arg>,
    /// The body: properties of a typed object body, or one list argument.
    body: Body,
    output: Output,
    /// The cursor's setter to leave out (the walk sets it).
    cursor: Option<String>,
    /// For walkable operations: where the cursor goes, and where the next
    /// one comes back (`next_page`, `pagination.next_page`).
    walk: Option<(Send, String)>,
    /// The cargo feature the operation is compiled with.
    feature: String,
}

enum Body {
    None,
    /// A struct built through its type builder: `types::builder::X`.
    Object {
        ty: String,
        fields: Vec<Arg>,
        /// The required properties' wire names, in the description's order.
        required: Vec<String>,
    },
    /// A list body (`Vec<T>`): one positional argument.
    List(Box<Arg>),
}

/// Reads every operation of the description and of the generated code.
fn operations(tree: &Value, file: &syn::File) -> Result<Vec<Op>> {
    let types = types_module(file);
    let builders = builder_fields(file);
    let sends = send_types(file);
    let walkable = walkable(file);
    let paginated: HashMap<String, pagination::Paginated> = pagination::find(tree)
        .into_iter()
        .map(|p| (p.operation_id.clone(), p))
        .collect();
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
        let page = paginated.get(&id).filter(|_| walkable.contains(&builder));
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
                kind: kind(inner, &types),
                ty: qualify(inner),
                setter: name.clone(),
                name,
                wire,
                required: p["required"].as_bool().unwrap_or(false),
                limits: limits(tree, &p["schema"]),
                schema: p["schema"].clone(),
                doc: None,
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
                    Body::Object {
                        ty: name.to_string(),
                        fields: body_fields(tree, schema, structure, &types),
                        required: required_names(tree, schema),
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
                        kind: kind(inner, &types),
                        ty: qualify(inner),
                        required: true,
                        limits: limits(tree, schema),
                        schema: schema.clone(),
                        doc: None,
                    }))
                } else {
                    bail!("{at}: a body of type {flat} is not supported");
                }
            }
        };
        let (response, _) = sends
            .get(&builder)
            .with_context(|| format!("{at}: no send()"))?;
        let output = if let Some(p) = page {
            let _ = p;
            Output::Page(page_item(response, &types).with_context(|| format!("{at}: page item"))?)
        } else {
            match squash(response).as_str() {
                "()" => Output::Unit,
                "ByteStream" | "::progenitor_client::ByteStream" => Output::Bytes,
                _ => {
                    let name = last_ident(response).unwrap_or_default();
                    let data = types.structs.get(&name).and_then(|s| match &s.fields {
                        Fields::Named(f) if f.named.len() == 1 => f
                            .named
                            .iter()
                            .find(|x| x.ident.as_ref().is_some_and(|i| i == "data"))
                            .map(|x| qualify(&x.ty)),
                        _ => None,
                    });
                    match data {
                        Some(d) => Output::Data(d),
                        None => Output::Body(qualify(response)),
                    }
                }
            }
        };
        let walk = matches!(output, Output::Page(_));
        let reserved: &[&str] = if walk {
            &[
                "send",
                "pages",
                "stream",
                "next_page",
                "max_pages",
                "prefetch",
                "query",
                "request",
                "new",
                "max_retries",
                "timeout",
            ]
        } else {
            &["send", "query", "request", "new", "max_retries", "timeout"]
        };
        let mut taken: BTreeSet<String> = BTreeSet::new();
        let mut rename = |arg: &mut Arg| {
            if reserved.contains(&arg.setter.as_str()) || taken.contains(&arg.setter) {
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
        for p in &params {
            if matches!(
                p.name.as_str(),
                "client" | "problems" | "body" | "limits" | "options"
            ) {
                bail!(
                    "{at}: a parameter named `{}` clashes with the builder's own fields",
                    p.name
                );
            }
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
        });
    }
    Ok(ops)
}

/// The item type of a page: the `data` field's `Vec<T>`.
fn page_item(response: &Type, types: &Types) -> Option<String> {
    let s = types.structs.get(&last_ident(response)?)?;
    let Fields::Named(f) = &s.fields else {
        return None;
    };
    let data = f
        .named
        .iter()
        .find(|x| x.ident.as_ref().is_some_and(|i| i == "data"))?;
    generic_args(&data.ty).first().map(|t| qualify(t))
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
        let wire = serde_rename(&f.attrs).unwrap_or_else(|| ident.to_string());
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
        // A list the body holds bare (not `Option`) is left out of the JSON
        // when empty, which the server reads as "no filter": an empty list
        // set on purpose would widen the request silently, so it is refused.
        if !is_option && matches!(kind, Kind::List(_)) && limits.min_items.is_none() {
            limits.min_items = Some(1);
        }
        out.push(Arg {
            setter: ident.to_string(),
            name: ident.to_string(),
            wire: wire.clone(),
            kind,
            ty: qualify(inner),
            required: required.contains(wire),
            limits,
            schema: schema.clone(),
            doc: schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
    }
    out
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

/// The fields of each low-level builder, `Result<T, String>` unwrapped.
fn builder_fields(file: &syn::File) -> HashMap<String, HashMap<String, Type>> {
    let mut out = HashMap::new();
    for inner in module_items(file, "builder") {
        let Item::Struct(s) = inner else { continue };
        let Fields::Named(named) = &s.fields else {
            continue;
        };
        let mut fields = HashMap::new();
        for f in &named.named {
            let Some(ident) = f.ident.as_ref() else {
                continue;
            };
            if ident == "client" {
                continue;
            }
            if let Some(t) = generic_args(&f.ty).first() {
                fields.insert(ident.to_string(), (*t).clone());
            }
        }
        out.insert(s.ident.to_string(), fields);
    }
    out
}

/// The builders that got a `Paginated` impl.
fn walkable(file: &syn::File) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for inner in module_items(file, "paginated_operations") {
        if let Item::Impl(block) = inner
            && let Some(name) = last_ident(&block.self_ty)
        {
            out.insert(name);
        }
    }
    out
}

fn doc(text: &str) -> String {
    let mut out = String::new();
    for line in text.trim_end().lines() {
        let _ = writeln!(out, "#[doc = {:?}]", format!(" {line}").trim_end());
    }
    out
}

/// How a caller reaches an operation's handle: `.contracts().rate_cards()`.
fn handle_chain(op: &Op) -> String {
    op.resource
        .iter()
        .filter(|s| *s != "v1")
        .map(|s| format!(".{s}()"))
        .collect()
}

/// The operation's path with example values in its parameters.
fn example_path(tree: &Value, op: &Op) -> String {
    let mut path = op.path.clone();
    for p in op.params.iter().filter(|p| p.required) {
        let json = crate::examples::example(tree, &p.schema, &p.wire);
        let text = json
            .as_str()
            .map_or_else(|| json.to_string(), str::to_string);
        path = path.replace(&format!("{{{}}}", p.wire), &text);
    }
    path
}

/// The handle type of a resource path (`v1.contracts.rate_cards` →
/// `ContractsRateCards`; `v2.contracts` → `V2Contracts`).
fn handle_name(resource: &[String]) -> String {
    let parts: Vec<&str> = resource
        .iter()
        .map(String::as_str)
        .filter(|s| *s != "v1")
        .collect();
    parts.join("_").to_pascal_case()
}

/// The Rust source of `crates/metronome-client/src/generated.rs`.
pub fn render(spec_name: &str, tree: &Value, file: &syn::File) -> Result<String> {
    let ops = operations(tree, file)?;
    let mut out = String::new();
    out.push_str(
        "//! Every operation of the API as a request builder, and the resource\n\
         //! handles that reach them (`client.contracts().rate_cards().list()`).\n\
         //! Generated from the description; the behaviour (conversions, checks,\n\
         //! sending, the walk) is the hand-written framework's (`operation.rs`).\n\
         #![allow(clippy::all, clippy::pedantic, unused_imports, unused_mut, unused_variables)]\n\
         use crate::operation::{check, IntoEnum, IntoValue, Problems, RequestEnum};\n\
         use crate::options::CallOptions;\n\
         use crate::pagination::{WalkLimits, PageQuery};\n\
         use crate::{Client, Error, IntoId, IntoTimestamp, Page, Response};\n\
         use futures::future::BoxFuture;\n\
         use metronome_api::types;\n",
    );
    // Resource handles.
    let mut children: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut methods: BTreeMap<Vec<String>, Vec<&Op>> = BTreeMap::new();
    for op in &ops {
        for depth in 1..=op.resource.len() {
            let node = op.resource[..depth].to_vec();
            let parent = if depth == 1 {
                Vec::new()
            } else {
                op.resource[..depth - 1].to_vec()
            };
            // v1 resources hang off the client itself.
            let parent = if parent == ["v1"] { Vec::new() } else { parent };
            if node == ["v1"] {
                continue;
            }
            children.entry(parent).or_default().insert(node);
        }
        methods.entry(op.resource.clone()).or_default().push(op);
    }
    // The features under each handle: it exists when one of them is on.
    let mut node_features: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    for op in &ops {
        for depth in 1..=op.resource.len() {
            node_features
                .entry(op.resource[..depth].to_vec())
                .or_default()
                .insert(op.feature.clone());
        }
    }
    let gate = |node: &Vec<String>| crate::features::cfg(&node_features[node]);
    for (parent, nodes) in &children {
        let owner = if parent.is_empty() {
            "Client".to_string()
        } else {
            format!("{}<'_>", handle_name(parent))
        };
        if !parent.is_empty() {
            out.push_str(&gate(parent));
            out.push('\n');
        }
        let receiver = if parent.is_empty() {
            "self"
        } else {
            "self.client"
        };
        let _ = writeln!(out, "impl {owner} {{");
        for node in nodes {
            let name = node.last().unwrap();
            let handle = handle_name(node);
            let _ = writeln!(
                out,
                "#[doc = \" The `{}` operations.\"]\n{}\npub fn {name}(&self) -> {handle}<'_> {{ {handle} {{ client: {receiver} }} }}",
                node.join("."),
                gate(node),
            );
        }
        out.push_str("}\n");
    }
    let mut handles: BTreeSet<Vec<String>> = children.values().flatten().cloned().collect();
    handles.extend(methods.keys().cloned());
    for node in &handles {
        let handle = handle_name(node);
        let ops = methods.get(node);
        let _ = writeln!(
            out,
            "#[doc = \" The `{}` operations: a handle borrowed from the client.\"]",
            node.join(".")
        );
        if let Some(op) = ops.and_then(|ops| example_op(ops)) {
            out.push_str(&doc(&handle_example(tree, op)));
        }
        let _ = writeln!(
            out,
            "{}\n#[derive(Debug, Clone, Copy)]\npub struct {handle}<'a> {{ pub(crate) client: &'a Client }}",
            gate(node),
        );
        let Some(ops) = ops else {
            continue;
        };
        let _ = writeln!(out, "{}\nimpl {handle}<'_> {{", gate(node));
        for op in ops {
            out.push_str(&entry_method(op));
        }
        out.push_str("}\n");
    }
    for op in &ops {
        out.push_str(&builder(op));
    }
    // Enums a caller may name in any case.
    let mut enums = BTreeSet::new();
    for op in &ops {
        let mut args: Vec<&Arg> = op.params.iter().collect();
        match &op.body {
            Body::Object { fields, .. } => args.extend(fields),
            Body::List(a) => args.push(a),
            Body::None => {}
        }
        for a in args {
            let mut k = &a.kind;
            while let Kind::List(inner) = k {
                k = inner;
            }
            if let Kind::Enum(name) = k {
                enums.insert(name.clone());
            }
        }
    }
    let types = types_module(file);
    for name in enums {
        let values: Vec<String> = types.enums[&name]
            .iter()
            .map(|v| format!("{v:?}"))
            .collect();
        let _ = writeln!(
            out,
            "impl RequestEnum for types::{name} {{ const VALUES: &'static [&'static str] = &[{}]; }}",
            values.join(", ")
        );
    }
    // Each operation's method and path template, for the request spans.
    out.push_str(
        "/// The method and path template of an operation, by its low-level name\n\
         /// (`OperationInfo::operation_id`): what a request span shows.\n\
         pub(crate) fn route(operation: &str) -> Option<(&'static str, &'static str)> {\n\
         Some(match operation {\n",
    );
    let mut routes: Vec<&Op> = ops.iter().collect();
    routes.sort_by(|a, b| a.method.cmp(&b.method));
    for op in routes {
        let _ = writeln!(
            out,
            "{:?} => ({:?}, {:?}),",
            op.method,
            op.http_method.to_uppercase(),
            op.path
        );
    }
    out.push_str("_ => return None,\n})\n}\n");
    let parsed: syn::File =
        syn::parse_str(&out).context("the generated client layer does not parse")?;
    let body = prettyplease::unparse(&parsed);
    Ok(format!(
        "// @generated by `cargo xtask gen` from {spec_name}. DO NOT EDIT.\n{body}"
    ))
}

/// The positional arguments of an operation: path and required query
/// parameters, then required body properties (or the list body).
fn positional(op: &Op) -> Vec<&Arg> {
    let mut args: Vec<&Arg> = op
        .params
        .iter()
        .filter(|a| a.required && Some(&a.name) != op.cursor.as_ref())
        .collect();
    match &op.body {
        // In the order of the schema's `required` list (properties come
        // back sorted by name; `required` keeps the description's order).
        Body::Object {
            fields, required, ..
        } => args.extend(required.iter().filter_map(|wire| {
            fields
                .iter()
                .find(|a| &a.wire == wire && Some(&a.name) != op.cursor.as_ref())
        })),
        Body::List(a) => args.push(a),
        Body::None => {}
    }
    args
}

fn entry_method(op: &Op) -> String {
    let mut out = String::new();
    out.push_str(&doc(&format!("{}\n\n{}", op.summary, op.description)));
    let _ = writeln!(out, "#[doc = \"\"]\n#[doc = \" `{}`\"]", op.route);
    if op.deprecated {
        out.push_str("#[deprecated(note = \"Metronome marks this operation deprecated\")]\n");
    }
    let _ = writeln!(out, "#[cfg(feature = {:?})]", op.feature);
    let args = positional(op);
    let params: Vec<String> = args
        .iter()
        .map(|a| format!("{}: {}", a.setter, conversion(&a.kind, &a.ty).0))
        .collect();
    let calls: String = args
        .iter()
        .map(|a| format!(".{}({})", a.setter, a.setter))
        .collect();
    let _ = writeln!(
        out,
        "pub fn {}(&self, {}) -> {} {{ {}::new(self.client.clone()){calls} }}",
        op.name,
        params.join(", "),
        op.builder,
        op.builder,
    );
    out
}

fn setter(arg: &Arg) -> String {
    arg.setter.clone()
}

fn builder(op: &Op) -> String {
    let b = &op.builder;
    let mut out = String::new();
    out.push_str(&doc(&format!(
        "A request to `{}` ({}): {}.",
        op.route,
        op.id,
        op.summary.trim_end_matches('.')
    )));
    let walk = matches!(op.output, Output::Page(_));
    let cfg = format!("#[cfg(feature = {:?})]", op.feature);
    let _ = writeln!(
        out,
        "{cfg}\n#[derive(Debug, Clone)]\n#[must_use = \"a request does nothing until it is sent\"]\npub struct {b} {{\n    pub(crate) client: Client,\n    pub(crate) problems: Problems,\n    pub(crate) options: CallOptions,"
    );
    for p in &op.params {
        let _ = writeln!(out, "    pub(crate) {}: Option<{}>,", p.name, p.ty);
    }
    match &op.body {
        Body::Object { fields, .. } => {
            for f in fields {
                let _ = writeln!(out, "    pub(crate) body_{}: Option<{}>,", f.name, f.ty);
            }
        }
        Body::List(a) => {
            let _ = writeln!(out, "    pub(crate) body: Option<{}>,", a.ty);
        }
        Body::None => {}
    }
    if walk {
        out.push_str("    pub(crate) limits: WalkLimits,\n");
    }
    out.push_str("}\n");
    let _ = writeln!(out, "{cfg}\ncrate::options::call_options!({b});");
    let _ = writeln!(out, "{cfg}\nimpl {b} {{");
    // A list body's size limit, for callers that cut their own batches.
    if let Body::List(a) = &op.body
        && let Some(max) = a.limits.max_items
    {
        let _ = writeln!(
            out,
            "/// The most items one request may carry (the description's `maxItems`).\npub const MAX_ITEMS: usize = {max};"
        );
    }
    // new
    let _ = write!(
        out,
        "pub(crate) fn new(client: Client) -> Self {{ Self {{ client, problems: Problems::default(), options: CallOptions::default(),"
    );
    for p in &op.params {
        let _ = write!(out, " {}: None,", p.name);
    }
    match &op.body {
        Body::Object { fields, .. } => {
            for f in fields {
                let _ = write!(out, " body_{}: None,", f.name);
            }
        }
        Body::List(_) => out.push_str(" body: None,"),
        Body::None => {}
    }
    if walk {
        out.push_str(" limits: WalkLimits::default(),");
    }
    out.push_str(" } }\n");
    // setters
    for p in &op.params {
        if Some(&p.name) == op.cursor.as_ref() {
            continue;
        }
        out.push_str(&param_setter(p, false, false));
    }
    match &op.body {
        Body::Object { fields, .. } => {
            for f in fields {
                if Some(&f.name) == op.cursor.as_ref() {
                    continue;
                }
                out.push_str(&param_setter(f, true, false));
            }
        }
        Body::List(a) => out.push_str(&param_setter(a, false, true)),
        Body::None => {}
    }
    // the low-level request
    let _ = write!(
        out,
        "/// The low-level request, as checked arguments make it.\n#[allow(unused_mut)]\n#[inline]\npub(crate) fn request<'c>(&self, client: &'c Client) -> metronome_api::builder::{b}<'c> {{\n let mut request = client.api().{}();",
        op.method
    );
    for p in &op.params {
        let _ = write!(
            out,
            " if let Some(value) = &self.{n} {{ request = request.{n}(value.clone()); }}",
            n = p.name
        );
    }
    match &op.body {
        Body::Object { ty, fields, .. } => {
            let _ = write!(out, " let mut body = types::builder::{ty}::default();");
            for f in fields {
                let _ = write!(
                    out,
                    " if let Some(value) = &self.body_{n} {{ body = body.{n}(value.clone()); }}",
                    n = f.name
                );
            }
            out.push_str(" request = request.body(body);");
        }
        Body::List(_) => out.push_str(
            " if let Some(value) = &self.body { request = request.body(value.clone()); }",
        ),
        Body::None => {}
    }
    out.push_str(" request }\n");
    // A period's start before its end, where an operation takes one.
    let period = period_of(op)
        .map(|((start, start_wire), (end, end_wire))| {
            format!(
                " check::period({start_wire:?}, self.{start}.as_ref(), {end_wire:?}, self.{end}.as_ref())?;"
            )
        })
        .unwrap_or_default();
    // send
    match &op.output {
        Output::Page(item) => {
            let _ = writeln!(
                out,
                "/// Checks the arguments (every problem is [`Error::InvalidRequest`], before anything is sent).\npub(crate) fn query(&self) -> Result<Self, Error> {{ self.problems.check()?;{period} Ok(self.clone()) }}\n}}\n{cfg}\ncrate::pagination::list_request!({b}, {item});\n{cfg}\nimpl PageQuery for {b} {{\n type Item = {item};\n const OPERATION: &'static str = {:?};\n #[inline]\n fn fetch<'a>(&'a self, client: &'a Client, cursor: Option<&'a str>) -> BoxFuture<'a, Result<Page<{item}>, Error>> {{ crate::fetch::fetch_page(self.request(client), cursor, self.options) }}\n}}",
                op.method
            );
        }
        output => {
            let (ret, tail) = match output {
                Output::Unit => ("()".to_string(), "crate::operation::send_body"),
                Output::Bytes => ("bytes::Bytes".to_string(), "crate::operation::send_bytes"),
                Output::Data(t) => (t.clone(), "crate::operation::send_data"),
                Output::Body(t) => (t.clone(), "crate::operation::send_body"),
                Output::Page(_) => unreachable!(),
            };
            let map = if matches!(output, Output::Data(_)) {
                ".map(|response| response.map(|body| body.data))"
            } else {
                ""
            };
            let tail = if tail.ends_with("send_data") {
                "crate::operation::send_body"
            } else {
                tail
            };
            let _ = writeln!(
                out,
                "/// Sends the request and returns the response's body. Invalid arguments fail with [`Error::InvalidRequest`] before anything is sent.\n#[inline]\npub async fn send(self) -> Result<{ret}, Error> {{\n self.send_with_response().await.map(Response::into_body)\n}}\n/// Sends the request and returns the body with the response's status and headers, as a [`Response`]. Invalid arguments fail as with `send()`.\n#[inline]\npub async fn send_with_response(self) -> Result<Response<{ret}>, Error> {{\n self.problems.check()?;{period}\n let request = self.request(&self.client);\n {tail}({:?}, self.options, Box::pin(request.send())).await{map}\n}}\n}}",
                op.method
            );
        }
    }
    out
}

/// The fields holding a period's start and end (`starting_on` or
/// `starting_at`, and `ending_before`), both timestamps, if the operation
/// takes one.
fn period_of(op: &Op) -> Option<((String, String), (String, String))> {
    let mut fields: Vec<(String, &Arg)> = op.params.iter().map(|p| (p.name.clone(), p)).collect();
    if let Body::Object { fields: body, .. } = &op.body {
        fields.extend(body.iter().map(|f| (format!("body_{}", f.name), f)));
    }
    let find = |names: &[&str]| {
        fields
            .iter()
            .find(|(_, a)| names.contains(&a.wire.as_str()) && matches!(a.kind, Kind::Timestamp))
            .map(|(field, a)| (field.clone(), a.wire.clone()))
    };
    Some((
        find(&["starting_on", "starting_at"])?,
        find(&["ending_before"])?,
    ))
}

/// One setter: converts, checks, records a problem or keeps the value.
/// `in_body`: a property of an object body; `body_list`: the list that is
/// the body.
fn param_setter(arg: &Arg, in_body: bool, body_list: bool) -> String {
    let (param, expr) = conversion(&arg.kind, &arg.ty);
    let checks = checks(&arg.kind, &arg.limits);
    let mut out = String::new();
    match &arg.doc {
        Some(d) => out.push_str(&doc(d)),
        None => {
            let _ = writeln!(out, "#[doc = \" Sets `{}`.\"]", arg.wire);
        }
    }
    let name = setter(arg);
    let store = if in_body {
        format!(
            "self.body_{n} = self.problems.keep({wire:?}, converted);",
            wire = arg.wire,
            n = arg.name
        )
    } else {
        format!(
            "self.{field} = self.problems.keep({wire:?}, converted);",
            field = if body_list {
                "body".to_string()
            } else {
                arg.name.clone()
            },
            wire = arg.wire
        )
    };
    let _ = writeln!(
        out,
        "pub fn {name}(mut self, value: {param}) -> Self {{ let converted = {converted}; {store} self }}",
        converted = match (&arg.kind, checks.is_empty()) {
            // The range is checked on the number given, then it becomes a `NonZeroU64`.
            (Kind::NonZero, false) => format!(
                "Ok::<u64, String>(value){}.and_then(|v| ::std::num::NonZeroU64::new(v).ok_or_else(|| \"must be at least 1, got 0\".to_string()))",
                checks.replace("v.get() as f64", "v as f64")
            ),
            (_, true) => expr,
            (_, false) => format!("({expr}){checks}"),
        }
    );
    out
}

/// A Rust expression for an example value of `arg`, as a caller would
/// pass it to the entry method.
fn example_arg(tree: &Value, arg: &Arg) -> String {
    let json = crate::examples::example(tree, &arg.schema, &arg.wire);
    example_of(&arg.kind, &arg.ty, &json)
}

fn example_of(kind: &Kind, ty: &str, json: &Value) -> String {
    match kind {
        Kind::Id | Kind::Timestamp | Kind::Text | Kind::NewText(_) | Kind::Enum(_) => match json {
            Value::String(s) => format!("{s:?}"),
            other => format!("{:?}", other.to_string()),
        },
        Kind::Bool => "true".into(),
        Kind::Number(t) => format!("{}_{t}", number_literal(json, t)),
        Kind::NonZero => format!("{}_u64", number_literal(json, "u64")),
        Kind::List(item) => {
            let item_ty = ty
                .strip_prefix("::std::vec::Vec<")
                .map(|rest| rest.trim_end_matches('>').to_string())
                .unwrap_or_default();
            let first = json
                .as_array()
                .and_then(|a| a.first())
                .cloned()
                .unwrap_or(Value::Null);
            format!("[{}]", example_of(item, &item_ty, &first))
        }
        Kind::Other(t) => format!(
            "serde_json::from_str::<{}>(r##\"{}\"##).unwrap()",
            t.replace("types::", "metronome_client::types::"),
            json
        ),
    }
}

fn number_literal(json: &Value, ty: &str) -> String {
    let n = json.as_f64().unwrap_or(1.0);
    if ty.starts_with('f') {
        format!("{n:?}")
    } else {
        format!("{}", n as i64)
    }
}

/// The Rust source of `tests/every_operation/generated.rs`: for every
/// operation, a test that calls it with example arguments against a
/// loopback server, checks that the example answer decodes, and pins the
/// request that went out.
pub fn render_tests(spec_name: &str, tree: &Value, file: &syn::File) -> Result<String> {
    let ops = operations(tree, file)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "//! Every operation of the description, called the way a user calls it\n\
         //! (`client.<resource>()…<method>(required arguments)`) with example\n\
         //! arguments against a loopback server that answers an example of the\n\
         //! documented response: the answer must decode, and the request that went\n\
         //! out is pinned as a snapshot. The same call then goes to `metronome-mock`,\n\
         //! which must accept it (its checks of the description) and answer something\n\
         //! that decodes. {} operations.\n\
         #![allow(deprecated, clippy::all)]\n\
         use httpmock::prelude::*;\n\
         use metronome_integration_tests::{{Recorder, mock_client, sdk}};\n",
        ops.len()
    );
    for op in &ops {
        let path = example_path(tree, op);
        let (content_type, body) = match (&op.output, op.response_schema.is_null()) {
            (Output::Bytes, _) => ("application/pdf", "%PDF-1.4 example".to_string()),
            (_, true) => ("application/json", String::new()),
            (_, false) => {
                let mut example = crate::examples::example(tree, &op.response_schema, "response");
                // One page: the walk's `send()` reads the first only anyway.
                for cursor in ["next_page", "cursor"] {
                    if let Some(v) = example.get_mut(cursor) {
                        *v = Value::Null;
                    }
                }
                ("application/json", example.to_string())
            }
        };
        let chain = handle_chain(op);
        let args: Vec<String> = positional(op)
            .iter()
            .map(|a| example_arg(tree, a))
            .collect();
        let decoded = match op.output {
            Output::Bytes => "assert_eq!(&answer.unwrap()[..], b\"%PDF-1.4 example\");",
            _ => "answer.unwrap();",
        };
        let _ = writeln!(
            out,
            "#[tokio::test]\nasync fn {method}() {{\n\
             let server = MockServer::start_async().await;\n\
             let recorder = Recorder::default();\n\
             let mock = server.mock_async(|when, then| {{\n\
                 when.method({http:?}).path({path:?}).is_true(recorder.matcher());\n\
                 then.status(200).header(\"content-type\", {content_type:?}).body(r##\"{body}\"##);\n\
             }}).await;\n\
             let answer = sdk(&server.base_url()){chain}.{name}({args}).send().await;\n\
             assert!(answer.is_ok(), \"{{answer:?}}\");\n\
             {decoded}\n\
             mock.assert_async().await;\n\
             insta::assert_json_snapshot!({method:?}, recorder.requests());\n\
             let fake = metronome_mock::MockMetronome::start().await;\n\
             let again = mock_client(&fake){chain}.{name}({args}).send().await;\n\
             assert!(again.is_ok(), \"metronome-mock: {{again:?}}\");\n\
             }}",
            method = op.method,
            http = op.http_method,
            name = op.name,
            args = args.join(", "),
        );
    }
    for op in &ops {
        let Some((send, receive)) = &op.walk else {
            continue;
        };
        out.push_str(&walk_test(tree, op, send, receive));
    }
    let parsed: syn::File =
        syn::parse_str(&out).context("the generated per-operation tests do not parse")?;
    Ok(format!(
        "// @generated by `cargo xtask gen` from {spec_name}. DO NOT EDIT.\n{}",
        prettyplease::unparse(&parsed)
    ))
}

/// `OPERATIONS.md`: every operation, where it is in the client, and what
/// it does, in the description's words.
pub fn render_operations_table(spec_name: &str, tree: &Value, file: &syn::File) -> Result<String> {
    let mut ops = operations(tree, file)?;
    ops.sort_by(|a, b| (&a.resource, &a.name).cmp(&(&b.resource, &b.name)));
    let mut out = format!(
        "<!-- @generated by `cargo xtask gen` from {spec_name}. DO NOT EDIT. -->\n\
         # Every operation\n\n\
         The {} operations of Metronome's API as `metronome-client` reaches them,\n\
         grouped the way Metronome's own SDKs group them. Required arguments are\n\
         positional; every other argument is a setter on the request builder\n\
         (`crates/metronome-client/src/generated.rs`). Lists have `.send()` (one\n\
         page), `.pages()` and `.stream()`; every other operation has `.send()`.\n\n\
         Each operation compiles with its resource's cargo feature (`full` is every\n\
         one; the default set is in `crates/metronome-client/Cargo.toml`).\n\n\
         | call | HTTP | feature | what it does |\n|---|---|---|---|\n",
        ops.len()
    );
    for op in &ops {
        let chain = handle_chain(op);
        let args: Vec<String> = positional(op).iter().map(|a| a.setter.clone()).collect();
        let list = if matches!(op.output, Output::Page(_)) {
            " (list)"
        } else {
            ""
        };
        let deprecated = if op.deprecated { " Deprecated." } else { "" };
        let _ = writeln!(
            out,
            "| `client{chain}.{}({})` | `{}` | `{}` | {}{list}.{deprecated} |",
            op.name,
            args.join(", "),
            op.route,
            op.feature,
            op.summary.trim_end_matches('.').replace('|', "\\|"),
        );
    }
    Ok(out)
}

/// A test that walks three pages of a paginated operation: the cursor goes
/// where the description says (query or body), comes back where it says,
/// and every page's items arrive once.
fn walk_test(tree: &Value, op: &Op, send: &Send, receive: &str) -> String {
    let path = example_path(tree, op);
    // Cursors typed as uuids get uuid-shaped ones (the example of the
    // cursor field is made from its schema, so it tells the format).
    let example = crate::examples::example(tree, &op.response_schema, "response");
    let at_cursor = match receive.split_once('.') {
        Some((outer, inner)) => example.get(outer).and_then(|o| o.get(inner)),
        None => example.get(receive),
    };
    let uuid_cursors = at_cursor
        .and_then(Value::as_str)
        .is_some_and(|text| text.len() == 36 && text.matches('-').count() == 4);
    let (cursor_1, cursor_2) = if uuid_cursors {
        (
            "00000000-0000-4000-8000-00000000c001",
            "00000000-0000-4000-8000-00000000c002",
        )
    } else {
        ("cursor-1", "cursor-2")
    };
    let page = |next: Option<&str>| {
        let mut example = example.clone();
        let next = next.map_or(Value::Null, |c| Value::String(c.to_string()));
        match receive.split_once('.') {
            Some((outer, inner)) => {
                if let Some(obj) = example.get_mut(outer).and_then(Value::as_object_mut) {
                    obj.insert(inner.to_string(), next);
                }
            }
            None => {
                if let Some(obj) = example.as_object_mut() {
                    obj.insert(receive.to_string(), next);
                }
            }
        }
        example.to_string()
    };
    let (first, then_matcher): (String, fn(&str, &str) -> String) = match send {
        Send::Query(name) => (format!(".query_param_missing({name:?})"), |name, cursor| {
            format!(".query_param({name:?}, {cursor:?})")
        }),
        Send::Body(name) => (
            format!(".body_excludes({:?})", format!("\"{name}\"")),
            |name, cursor| {
                format!(
                    ".json_body_includes({:?})",
                    serde_json::json!({ name: cursor }).to_string()
                )
            },
        ),
        Send::Nowhere => return String::new(),
    };
    let name = match send {
        Send::Query(n) | Send::Body(n) => n.as_str(),
        Send::Nowhere => "",
    };
    let chain = handle_chain(op);
    let args: Vec<String> = positional(op)
        .iter()
        .map(|a| example_arg(tree, a))
        .collect();
    let mut mocks = String::new();
    for (matcher, next) in [
        (first.clone(), Some(cursor_1)),
        (then_matcher(name, cursor_1), Some(cursor_2)),
        (then_matcher(name, cursor_2), None),
    ] {
        let _ = writeln!(
            mocks,
            "pages.push(server.mock_async(|when, then| {{ when.method({http:?}).path({path:?}){matcher}; then.status(200).header(\"content-type\", \"application/json\").body(r##\"{body}\"##); }}).await);",
            http = op.http_method,
            body = page(next),
        );
    }
    format!(
        "#[tokio::test]\nasync fn {method}_walks_three_pages() {{\n\
         let server = MockServer::start_async().await;\n\
         let mut pages = Vec::new();\n\
         {mocks}\
         let items: Vec<_> = futures::TryStreamExt::try_collect(sdk(&server.base_url()){chain}.{fname}({args}).stream()).await.unwrap();\n\
         assert_eq!(items.len(), 3, \"one item on each of three pages\");\n\
         for page in &pages {{ page.assert_async().await; }}\n\
         }}\n",
        method = op.method,
        fname = op.name,
        args = args.join(", "),
    )
}

/// The operation a handle's example shows: the first whose required
/// arguments are all plain values (ids, text, instants, names), else the
/// first.
fn example_op<'o>(ops: &[&'o Op]) -> Option<&'o Op> {
    let plain = |op: &&&Op| {
        positional(op)
            .iter()
            .all(|a| !matches!(a.kind, Kind::Other(_) | Kind::List(_)))
    };
    ops.iter().find(plain).or(ops.first()).copied()
}

/// A doc example calling `op` with example arguments (compiled, not run).
fn handle_example(tree: &Value, op: &Op) -> String {
    let chain = handle_chain(op);
    let args: Vec<String> = positional(op)
        .iter()
        .map(|a| example_arg(tree, a))
        .collect();
    format!(
        "\n```no_run\n# async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {{\nlet answer = client{chain}.{}({}).send().await?;\n# let _ = answer;\n# Ok(())\n# }}\n```",
        op.name,
        args.join(", ")
    )
}

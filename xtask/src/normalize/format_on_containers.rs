//! F1: `format` on an array (or object, or boolean) node makes typify panic.
//! On an array of scalars the format belongs to the items: it moves there,
//! so `format: uuid` still gives `Vec<Uuid>`. Elsewhere it is dropped.

use serde_json::Value;

use super::{Pass, walk};

pub struct FormatOnContainers;

impl Pass for FormatOnContainers {
    fn name(&self) -> &'static str {
        "format_on_containers"
    }

    fn what(&self) -> &'static str {
        "`format` on an array moved onto its items (dropped on objects and booleans), which typify would panic on"
    }

    fn run(&self, tree: &mut Value, touched: &mut Vec<String>) {
        walk::schemas(tree, &mut |pointer, _, node| {
            let kind = node.get("type").and_then(Value::as_str).map(str::to_string);
            let Some(format) = node.get("format").cloned() else {
                return;
            };
            match kind.as_deref() {
                Some("array") => {
                    let items = node.get_mut("items").and_then(Value::as_object_mut);
                    if let Some(items) =
                        items.filter(|i| !i.contains_key("$ref") && !i.contains_key("format"))
                    {
                        items.insert("format".into(), format);
                    }
                }
                Some("object" | "boolean") => {}
                _ => return,
            }
            node.as_object_mut().map(|m| m.remove("format"));
            touched.push(format!("#{pointer}"));
        });
    }
}

//! F4: openapiv3 reads `{$ref, nullable: true, description: …}` as a bare
//! reference and drops the siblings, so a nullable field decodes as
//! required. Wrapping the reference, `{allOf: [{$ref}], nullable, …}`,
//! keeps every sibling and gives `Option<T>`.

use serde_json::{Map, Value};

use super::{Pass, walk};

pub struct RefSiblings;

impl Pass for RefSiblings {
    fn name(&self) -> &'static str {
        "ref_siblings_to_all_of"
    }

    fn what(&self) -> &'static str {
        "a `$ref` with siblings (`nullable`, `description`, …), which openapiv3 would drop, wrapped in `allOf`"
    }

    fn run(&self, tree: &mut Value, touched: &mut Vec<String>) {
        walk::schemas(tree, &mut |pointer, _, node| {
            let Some(map) = node.as_object_mut() else {
                return;
            };
            if !map.contains_key("$ref") || map.len() == 1 {
                return;
            }
            let reference = map.remove("$ref").expect("checked above");
            let mut wrapped = Map::new();
            wrapped.insert("$ref".into(), reference);
            map.insert("allOf".into(), Value::Array(vec![Value::Object(wrapped)]));
            touched.push(format!("#{pointer}"));
        });
    }
}

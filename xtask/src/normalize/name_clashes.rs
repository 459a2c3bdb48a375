//! F2: an inline schema whose derived name is a component's name (an inline
//! enum `Credit.type` and the component `CreditType`) is defined twice and
//! does not compile. A `title` renames the inline one (`CreditTypeInline`);
//! typify prefers a title to the name it derives.

use serde_json::Value;

use super::Pass;
use crate::names;

pub struct InlineNameClashes;

impl Pass for InlineNameClashes {
    fn name(&self) -> &'static str {
        "inline_name_clashes"
    }

    fn what(&self) -> &'static str {
        "inline schemas whose derived type name is a component's name, given a `title`"
    }

    fn run(&self, tree: &mut Value, touched: &mut Vec<String>) {
        // A title changes the names derived below it, so repeat until stable
        // (bounded: each round renames at least one schema, there are finitely many).
        for _ in 0..8 {
            let named = names::named_types(tree);
            let components: Vec<&str> = named
                .iter()
                .filter(|n| n.component)
                .map(|n| n.name.as_str())
                .collect();
            let taken: std::collections::HashSet<String> =
                named.iter().map(|n| n.name.clone()).collect();
            let clashing: Vec<(String, String)> = named
                .iter()
                .filter(|n| !n.component && components.contains(&n.name.as_str()))
                .map(|n| {
                    let title = (0..)
                        .map(|i| {
                            if i == 0 {
                                format!("{}Inline", n.name)
                            } else {
                                format!("{}Inline{i}", n.name)
                            }
                        })
                        .find(|t| !taken.contains(t))
                        .expect("an unused name");
                    (n.pointer.clone(), title)
                })
                .collect();
            if clashing.is_empty() {
                return;
            }
            for (pointer, title) in clashing {
                if let Some(node) = tree.pointer_mut(pointer.trim_start_matches('#')) {
                    node["title"] = Value::from(title);
                    touched.push(pointer);
                }
            }
        }
    }
}

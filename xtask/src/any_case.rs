//! Request enums decode in any case. The SDK's setters take `"day"`,
//! `"Day"` or `"DAY"` for `DAY` (`IntoEnum`, `check::one_of`); a body built
//! from JSON (a saved request, one of Metronome's own examples, which write
//! `"day"`, `"Count"`, `"prepaid"`) should decode the same way. serde's
//! derive matches case exactly, so each variant of the closed string enums
//! of `mod types` gets aliases: its wire value in lower case, upper case
//! and capitalised (`Prepaid`), where those differ from it and from every
//! other variant's. Serialisation is unchanged: the wire value goes out.
//!
//! Every closed enum left in `mod types` is a request's: the normalisation
//! opens the enums answers carry (`normalize/enums.rs`).

use std::collections::BTreeSet;

use syn::{Fields, Item};

use crate::model::syntax::serde_rename;

/// Adds the aliases to every unit-variant enum of `mod types`. Returns how
/// many aliases were added.
pub fn alias_request_enums(file: &mut syn::File) -> usize {
    let mut added = 0;
    for item in &mut file.items {
        let Item::Mod(module) = item else { continue };
        if module.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        for item in items.iter_mut() {
            let Item::Enum(e) = item else { continue };
            if !e.variants.iter().all(|v| matches!(v.fields, Fields::Unit)) {
                continue;
            }
            let wire: Vec<String> = e
                .variants
                .iter()
                .map(|v| serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string()))
                .collect();
            // Spellings that would make two variants ambiguous are skipped.
            let folded: Vec<String> = wire.iter().map(|w| w.to_lowercase()).collect();
            for (variant, value) in e.variants.iter_mut().zip(&wire) {
                if folded
                    .iter()
                    .filter(|f| **f == value.to_lowercase())
                    .count()
                    > 1
                {
                    continue;
                }
                let mut aliases = BTreeSet::new();
                for spelling in [
                    value.to_lowercase(),
                    value.to_uppercase(),
                    capitalised(value),
                ] {
                    if spelling != *value {
                        aliases.insert(spelling);
                    }
                }
                for alias in aliases {
                    variant
                        .attrs
                        .push(syn::parse_quote!(#[serde(alias = #alias)]));
                    added += 1;
                }
            }
        }
    }
    added
}

/// `PREPAID` → `Prepaid`, `pay_as_you_go` → `Pay_as_you_go`.
fn capitalised(value: &str) -> String {
    let lower = value.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_gets_its_other_spellings_and_ambiguous_ones_none() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                pub enum WindowSize {
                    #[serde(rename = "HOUR")]
                    Hour,
                    #[serde(rename = "day")]
                    Day,
                }
                pub enum Clash {
                    #[serde(rename = "A")]
                    Upper,
                    #[serde(rename = "a")]
                    Lower,
                }
                pub struct NotAnEnum;
            }
        };
        // HOUR: hour, Hour; day: DAY, Day. Clash: none.
        assert_eq!(alias_request_enums(&mut file), 4);
        let printed = prettyplease::unparse(&file);
        for alias in [
            r#"alias = "hour""#,
            r#"alias = "Hour""#,
            r#"alias = "DAY""#,
            r#"alias = "Day""#,
        ] {
            assert!(printed.contains(alias), "{alias} in {printed}");
        }
    }
}

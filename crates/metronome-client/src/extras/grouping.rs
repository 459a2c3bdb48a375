//! Group keys and group filters of grouped usage
//! (`usage().list_with_groups(..)`), written as plain strings.

use std::collections::BTreeMap;

use metronome_types as types;

use crate::operation::IntoValue;

/// One group key: `.group_key("region")`.
impl IntoValue<types::GroupKey> for &str {
    fn into_value(self) -> Result<types::GroupKey, String> {
        [self].into_value()
    }
}

/// A compound group key: `.group_key(["region", "tier"])`.
impl<const N: usize> IntoValue<types::GroupKey> for [&str; N] {
    fn into_value(self) -> Result<types::GroupKey, String> {
        if N == 0 {
            return Err("needs at least one group key".into());
        }
        self.iter()
            .map(|key| key.parse().map_err(|_| "a group key is empty".to_string()))
            .collect::<Result<Vec<types::GroupKeyItem>, String>>()
            .map(types::GroupKey)
    }
}

/// Group filters, by key: `.group_filters([("region", ["eu-west"])])`.
impl<const N: usize, const M: usize> IntoValue<types::GroupFilter> for [(&str, [&str; M]); N] {
    fn into_value(self) -> Result<types::GroupFilter, String> {
        let mut filters = BTreeMap::new();
        for (key, values) in self {
            let values = values
                .iter()
                .map(|v| v.parse().map_err(|_| format!("[{key}]: a value is empty")))
                .collect::<Result<Vec<types::GroupFilterValueItem>, String>>()?;
            filters.insert(key.to_string(), values);
        }
        Ok(types::GroupFilter(filters))
    }
}

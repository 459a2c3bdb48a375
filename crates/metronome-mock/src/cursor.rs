//! Opaque page cursors. A cursor names a position in one query's results
//! and carries a fingerprint of that query, so a client that changes its
//! filters between pages is told so (400) instead of getting wrong pages.

use std::hash::{Hash, Hasher};

/// A decoded cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cursor {
    pub fingerprint: u64,
    pub offset: usize,
    pub nonce: u32,
}

impl Cursor {
    pub fn encode(self) -> String {
        let mixed = self.offset as u64 ^ crate::dataset::splitmix(self.fingerprint);
        format!("{:016x}{mixed:016x}{:08x}", self.fingerprint, self.nonce)
    }

    /// The same cursor written as a uuid, for operations whose cursor
    /// the description types as one (32 bits of offset: ample for a mock).
    pub fn encode_uuid(self) -> String {
        let mixed = (self.offset as u32) ^ (crate::dataset::splitmix(self.fingerprint) as u32);
        let bits = (u128::from(self.fingerprint) << 64)
            | (u128::from(mixed) << 32)
            | u128::from(self.nonce);
        uuid::Uuid::from_u128(bits).to_string()
    }

    pub fn decode(text: &str) -> Option<Self> {
        if let Ok(id) = uuid::Uuid::try_parse(text) {
            let bits = id.as_u128();
            let fingerprint = (bits >> 64) as u64;
            let mixed = (bits >> 32) as u32 ^ (crate::dataset::splitmix(fingerprint) as u32);
            return Some(Self {
                fingerprint,
                offset: mixed as usize,
                nonce: bits as u32,
            });
        }
        if text.len() != 40 || !text.is_ascii() {
            return None;
        }
        let fingerprint = u64::from_str_radix(&text[..16], 16).ok()?;
        let mixed = u64::from_str_radix(&text[16..32], 16).ok()?;
        let nonce = u32::from_str_radix(&text[32..], 16).ok()?;
        let offset = usize::try_from(mixed ^ crate::dataset::splitmix(fingerprint)).ok()?;
        Some(Self {
            fingerprint,
            offset,
            nonce,
        })
    }
}

/// A fingerprint of everything that defines a query's results.
pub(crate) fn fingerprint(parts: impl Hash) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_garbage() {
        let cursor = Cursor {
            fingerprint: 0xdead_beef,
            offset: 1234,
            nonce: 7,
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode(&cursor.encode_uuid()), Some(cursor));
        assert_eq!(Cursor::decode("c2"), None);
        assert_eq!(Cursor::decode(&"z".repeat(40)), None);
    }
}

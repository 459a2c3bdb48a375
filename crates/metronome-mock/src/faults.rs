//! Fault injection: what the mock does instead of (or on top of) the real
//! answer, per request.
//!
//! Faults come from three sources, looked at in this order for every
//! authenticated API request: a queue of scripted faults (one each),
//! a persistent fault (every request), and a random rate of faults drawn
//! from a list with a seeded generator.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

/// One misbehaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status, these headers and this body instead.
    Status {
        /// The status.
        status: u16,
        /// Extra headers, such as `retry-after`.
        headers: Vec<(String, String)>,
        /// The body.
        body: String,
    },
    /// Answer normally, after this long.
    Delay(Duration),
    /// Close the connection without answering.
    DropConnection,
    /// Answer 200 with the first half of the real body.
    TruncatedBody,
    /// Answer 200 with this body.
    MalformedBody(String),
    /// Answer 200 with no items and a fresh cursor to the same position.
    EmptyPageWithCursor,
    /// Answer the real page, but with `next_page` set to the cursor the
    /// request sent (the first page is unaffected).
    RepeatCursor,
}

impl Fault {
    /// `status` with the API's error body `{"message": "injected fault: <status>"}`.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::json!({ "message": format!("injected fault: {status}") }).to_string(),
        }
    }

    /// Adds a header to a [`Fault::Status`]; other faults are unchanged.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Fault::Status { headers, .. } = &mut self {
            headers.push((name.to_string(), value.to_string()));
        }
        self
    }

    /// A short name for counting: `429`, `delay`, `drop`, `truncated`, …
    pub fn label(&self) -> String {
        match self {
            Fault::Status {
                status, headers, ..
            } => {
                let hinted = headers
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case("retry-after"));
                if hinted {
                    format!("{status}+retry-after")
                } else {
                    status.to_string()
                }
            }
            Fault::Delay(_) => "delay".into(),
            Fault::DropConnection => "drop".into(),
            Fault::TruncatedBody => "truncated".into(),
            Fault::MalformedBody(_) => "malformed".into(),
            Fault::EmptyPageWithCursor => "empty-page".into(),
            Fault::RepeatCursor => "repeat-cursor".into(),
        }
    }
}

#[derive(Debug)]
struct RandomFaults {
    rate: f64,
    kinds: Vec<Fault>,
    rng: fastrand::Rng,
}

/// The faults of one mock; reachable through
/// [`MockMetronome::faults`](crate::MockMetronome::faults).
#[derive(Debug, Default)]
pub struct Faults {
    queue: Mutex<VecDeque<Fault>>,
    persistent: Mutex<Option<Fault>>,
    random: Mutex<Option<RandomFaults>>,
    injected: Mutex<BTreeMap<String, u64>>,
}

impl Faults {
    /// The next API request gets `fault` (after those already queued).
    pub fn push(&self, fault: Fault) -> &Self {
        lock(&self.queue).push_back(fault);
        self
    }

    /// Every API request gets `fault` until [`Faults::clear`].
    pub fn persist(&self, fault: Fault) -> &Self {
        *lock(&self.persistent) = Some(fault);
        self
    }

    /// A share `rate` (0.0–1.0; outside it is clamped, NaN is 0) of API
    /// requests gets one of `kinds`, drawn
    /// with a generator seeded by `seed`, so a run can be repeated.
    pub fn random(&self, rate: f64, kinds: Vec<Fault>, seed: u64) -> &Self {
        *lock(&self.random) = Some(RandomFaults {
            // NaN is no share at all: no faults, not a fault on every request.
            rate: if rate.is_nan() {
                0.0
            } else {
                rate.clamp(0.0, 1.0)
            },
            kinds,
            rng: fastrand::Rng::with_seed(seed),
        });
        self
    }

    /// Removes every queued, persistent and random fault.
    pub fn clear(&self) -> &Self {
        lock(&self.queue).clear();
        *lock(&self.persistent) = None;
        *lock(&self.random) = None;
        self
    }

    /// Removes every fault and forgets how many were injected.
    pub(crate) fn reset(&self) {
        self.clear();
        lock(&self.injected).clear();
    }

    /// How many faults were injected so far, by [`Fault::label`].
    pub fn injected(&self) -> BTreeMap<String, u64> {
        lock(&self.injected).clone()
    }

    /// How many faults were injected so far, in all.
    pub fn injected_total(&self) -> u64 {
        lock(&self.injected).values().sum()
    }

    /// The fault for the request being served, if any.
    pub(crate) fn next(&self) -> Option<Fault> {
        let fault = lock(&self.queue)
            .pop_front()
            .or_else(|| lock(&self.persistent).clone())
            .or_else(|| {
                let mut random = lock(&self.random);
                let random = random.as_mut()?;
                if random.kinds.is_empty() || random.rng.f64() >= random.rate {
                    return None;
                }
                let pick = random.rng.usize(..random.kinds.len());
                Some(random.kinds[pick].clone())
            })?;
        *lock(&self.injected).entry(fault.label()).or_default() += 1;
        Some(fault)
    }
}

/// Locks, recovering from a poisoned lock (a panicking test thread must not
/// take the mock down with it).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

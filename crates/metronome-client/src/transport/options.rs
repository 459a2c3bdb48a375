//! Settings of one call that override the client's: set on any request
//! builder (`.max_retries(0)`, `.timeout(…)`), carried to the retry
//! transport for that call only (in its
//! [`Call`](crate::transport::call::Call)).

use std::time::Duration;

/// What one call overrides of the client's configuration. Every request
/// builder has the setters; a walk applies them to each of its pages.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CallOptions {
    /// Retries after the first attempt, instead of the policy's.
    pub max_retries: Option<u32>,
    /// The time limit of each attempt, instead of the client's.
    pub timeout: Option<Duration>,
}

/// The per-call setters every request builder shares. The builder has an
/// `options: CallOptions` field.
macro_rules! call_options {
    ($builder:ty) => {
        impl $builder {
            /// Retries for this call only, instead of the client's policy
            /// (its backoff still applies). `0` sends the request once:
            /// for a create that must not risk going out twice after a
            /// timeout (see the README's "Retries").
            pub fn max_retries(mut self, retries: u32) -> Self {
                self.options.max_retries = Some(retries);
                self
            }

            /// The time limit of each attempt of this call (body
            /// included), instead of the client's `timeout`.
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.options.timeout = Some(timeout);
                self
            }
        }
    };
}

pub(crate) use call_options;

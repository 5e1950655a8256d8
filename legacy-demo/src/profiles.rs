//! The profile service client: one blocking request per profile.

use std::time::Duration;

use bridge_runtime::sync_to_async;

/// How to reach the profile service.
///
/// Today the service is simulated: every request blocks the calling thread for
/// [`latency`](ProfileApi::latency), the way a slow HTTP call would. It is cheap to clone,
/// which is what lets the async twin of [`fetch_profile`] take it by reference (the twin
/// clones it before moving the call to another thread).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileApi {
    latency: Duration,
}

impl ProfileApi {
    /// A profile service that answers each request after `latency`.
    pub fn new(latency: Duration) -> Self {
        ProfileApi { latency }
    }

    /// How long each request blocks the calling thread.
    pub fn latency(&self) -> Duration {
        self.latency
    }
}

impl Default for ProfileApi {
    /// A service answering in 50 ms, a typical slow internal HTTP API.
    fn default() -> Self {
        ProfileApi::new(Duration::from_millis(50))
    }
}

/// A user's profile, as the profile service returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The user id the profile was fetched for.
    pub id: u64,
    /// The user's display name.
    pub name: String,
    /// How many orders the user has placed.
    pub orders: u32,
}

const NAMES: [&str; 8] = [
    "Ada", "Grace", "Edsger", "Barbara", "Ken", "Margaret", "Dennis", "Frances",
];

/// Fetches the profile of user `id`, blocking the calling thread until the service answers.
///
/// The same `id` always gives the same profile.
///
/// This is the legacy fn, annotated in place: `#[sync_to_async]` leaves it exactly as written
/// for sync callers and adds [`fetch_profile_async`] beside it, with the same parameters
/// (`api` stays a `&ProfileApi`). Calling `fetch_profile` itself from async code blocks the
/// runtime thread for the whole request; await the twin there instead.
#[sync_to_async]
pub fn fetch_profile(api: &ProfileApi, id: u64) -> Profile {
    // Stands in for `GET /users/{id}/profile` on a slow service.
    std::thread::sleep(api.latency);
    // A made-up but stable profile. The casts cannot truncate: both remainders are small.
    let name = NAMES[(id % NAMES.len() as u64) as usize];
    Profile {
        id,
        name: name.to_owned(),
        orders: (id.wrapping_mul(7) % 13) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_depends_only_on_its_id() {
        let fast = ProfileApi::new(Duration::ZERO);
        let slow = ProfileApi::new(Duration::from_millis(2));
        assert_eq!(fetch_profile(&fast, 42), fetch_profile(&slow, 42));
        assert_eq!(fetch_profile(&fast, 42).id, 42);
        assert_ne!(fetch_profile(&fast, 1), fetch_profile(&fast, 2));
    }

    #[test]
    fn a_request_blocks_for_the_latency() {
        let api = ProfileApi::new(Duration::from_millis(20));
        let started = std::time::Instant::now();
        fetch_profile(&api, 1);
        // `sleep` never returns early, so this lower bound is not timing-sensitive.
        assert!(started.elapsed() >= api.latency());
    }
}

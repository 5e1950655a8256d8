//! The profile service client: one blocking HTTP request per profile.

use std::fmt;
use std::time::Duration;

use bridge_runtime::{sync_only, sync_to_async};

/// How to reach the profile service: its base URL and a blocking HTTP client.
///
/// Cheap to clone (the client's connection pool is shared), which is what lets the async twin
/// of [`fetch_profile`] take it by reference: the twin clones it before the call crosses to a
/// blocking thread.
#[derive(Debug, Clone)]
pub struct ProfileApi {
    base_url: String,
    agent: ureq::Agent,
}

impl ProfileApi {
    /// A client for the service at `base_url`, such as `http://127.0.0.1:40123`.
    pub fn new(base_url: impl Into<String>) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        ProfileApi {
            base_url: base_url.into(),
            agent,
        }
    }

    /// The URL of user `id`'s profile.
    pub fn profile_url(&self, id: u64) -> String {
        format!("{}/profiles/{id}", self.base_url)
    }
}

/// A user's profile, as the profile service returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// The user id the profile was fetched for.
    pub id: u64,
    /// The user's display name.
    pub name: String,
    /// The user's country code.
    pub country: String,
    /// How many orders the user has placed.
    pub orders: u32,
}

/// Why a profile could not be fetched.
#[derive(Debug)]
pub enum FetchError {
    /// The request failed: no connection, a timeout, or an error status.
    Http(String),
    /// The service answered something that is not a profile.
    Malformed(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Http(error) => write!(f, "profile request failed: {error}"),
            FetchError::Malformed(body) => write!(f, "not a profile: {body:?}"),
        }
    }
}

impl std::error::Error for FetchError {}

/// Fetches the profile of user `id`, blocking the calling thread until the service answers.
///
/// This is the legacy fn, annotated in place: `#[sync_to_async]` leaves it exactly as written
/// for sync callers and adds [`fetch_profile_async`] beside it, with the same parameters.
/// Calling `fetch_profile` itself from async code blocks the runtime thread for the whole
/// request; await the twin there instead.
///
/// # Errors
///
/// [`FetchError`] if the request fails or the answer is not a profile.
#[sync_only]
#[sync_to_async]
pub fn fetch_profile(api: &ProfileApi, id: u64) -> Result<Profile, FetchError> {
    let mut response = api
        .agent
        .get(&api.profile_url(id))
        .call()
        .map_err(|error| FetchError::Http(error.to_string()))?;
    let body = response
        .body_mut()
        .read_to_string()
        .map_err(|error| FetchError::Http(error.to_string()))?;
    parse_profile(&body)
}

/// Parses the service's answer: one line of tab-separated `id`, `name`, `country`, `orders`.
///
/// # Errors
///
/// [`FetchError::Malformed`] for anything else.
pub fn parse_profile(body: &str) -> Result<Profile, FetchError> {
    let malformed = || FetchError::Malformed(body.to_owned());
    let mut fields = body.trim_end().split('\t');
    let mut next = || fields.next().ok_or_else(malformed);
    let id = next()?.parse().map_err(|_| malformed())?;
    let name = next()?.to_owned();
    let country = next()?.to_owned();
    let orders = next()?.parse().map_err(|_| malformed())?;
    if fields.next().is_some() {
        return Err(malformed());
    }
    Ok(Profile {
        id,
        name,
        country,
        orders,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_profile_line() {
        let profile = parse_profile("7\tAda\tGB\t12\n").unwrap();
        assert_eq!(
            profile,
            Profile {
                id: 7,
                name: "Ada".into(),
                country: "GB".into(),
                orders: 12
            }
        );
    }

    #[test]
    fn rejects_what_is_not_a_profile() {
        for body in [
            "",
            "7\tAda\tGB",
            "x\tAda\tGB\t1",
            "7\tAda\tGB\t1\textra",
            "<html>",
        ] {
            assert!(
                matches!(parse_profile(body), Err(FetchError::Malformed(_))),
                "{body:?}"
            );
        }
    }
}

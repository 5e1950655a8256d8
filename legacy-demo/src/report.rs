//! The user report: the legacy pipeline that calls the profile service once per user.

use std::fmt;

use crate::profiles::{Profile, ProfileApi, fetch_profile};

/// The profiles of a list of users, in the order asked for, and their total orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// One profile per requested id, in request order.
    pub profiles: Vec<Profile>,
    /// The sum of every profile's `orders`.
    pub total_orders: u64,
}

impl Report {
    /// Sums up fetched profiles. Pure: the sync pipeline and every migrated phase share it.
    pub fn new(profiles: Vec<Profile>) -> Self {
        let total_orders = profiles.iter().map(|p| u64::from(p.orders)).sum();
        Report {
            profiles,
            total_orders,
        }
    }
}

impl fmt::Display for Report {
    /// A table with one row per user, then the totals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:>6}  {:<10} {:>6}", "id", "name", "orders")?;
        for p in &self.profiles {
            writeln!(f, "{:>6}  {:<10} {:>6}", p.id, p.name, p.orders)?;
        }
        write!(
            f,
            "{} users, {} orders",
            self.profiles.len(),
            self.total_orders
        )
    }
}

/// Builds the report for `ids`, fetching one profile after the other.
///
/// Takes about `ids.len() × api.latency()`, and blocks the calling thread all that time. This
/// is the caller that phase 1 of the migration leaves alone (it keeps calling the sync
/// [`fetch_profile`]); `migrated_demo::phase1::run_report` is its async rewrite.
pub fn run_report(api: &ProfileApi, ids: &[u64]) -> Report {
    let profiles = ids.iter().map(|&id| fetch_profile(api, id)).collect();
    Report::new(profiles)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn keeps_request_order_and_sums_orders() {
        let api = ProfileApi::new(Duration::ZERO);
        let report = run_report(&api, &[3, 1, 2]);
        let ids: Vec<u64> = report.profiles.iter().map(|p| p.id).collect();
        assert_eq!(ids, [3, 1, 2]);
        let total: u64 = report.profiles.iter().map(|p| u64::from(p.orders)).sum();
        assert_eq!(report.total_orders, total);
    }

    #[test]
    fn an_empty_report_is_empty() {
        let report = run_report(&ProfileApi::new(Duration::ZERO), &[]);
        assert_eq!(report, Report::new(Vec::new()));
        assert_eq!(report.to_string().lines().last(), Some("0 users, 0 orders"));
    }
}

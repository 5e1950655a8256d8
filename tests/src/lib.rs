//! Shared helpers for the bridge test suites.

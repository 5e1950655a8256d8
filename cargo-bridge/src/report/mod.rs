//! The three output formats.

pub mod html;
pub mod json;
pub mod text;

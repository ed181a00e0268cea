//! One module per page.

pub mod clusters;

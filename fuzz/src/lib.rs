//! The invariants the fuzz targets check, one function per target: see
//! [`checks`]. Shared with the bounded property tests in
//! `tests/it/fuzz_props.rs`, which include `checks.rs` by path.

pub mod checks;

//! The audit trail: one record per attempted operation, refusals included.

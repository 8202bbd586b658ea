//! Safe delivery of generated credentials: one-time reveal from secret storage.

//! JSM Assets import: Entra users and groups as objects of an Assets
//! schema the app owns, through the Forge module
//! `jiraServiceManagement:assetsImportType` and Assets' external-import
//! API.
//!
//! - [`mapping`]: the schema-and-mapping document (object types, external
//!   ids, references).
//! - [`records`]: Graph delta items as data-chunk records.
//! - [`client`]: the import API over `requestJira`, typed errors, retries.
//! - [`config`]: the admin's settings, validated field by field.
//! - [`state`]: what is stored (configuration, run checkpoint, delta
//!   links, last run) and [`index`]: the membership index.
//! - [`run`]: the queue consumer's resumable steps.
//! - [`functions`]: `startImport`, `stopImport`, `importStatus`,
//!   `onDeleteImport` and the hourly schedule ([`schedule`] says what is
//!   due).

pub mod client;
pub mod config;
pub mod functions;
pub mod index;
pub mod mapping;
pub mod records;
pub mod run;
pub mod schedule;
pub mod state;

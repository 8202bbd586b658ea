//! The app's storage layout, in one place: every Forge KVS key the app
//! writes, every Custom Entity Store entity with its attributes and
//! indexes (as `manifest.yml` declares them under `app.storage.entities`;
//! `tests/it/storage.rs` holds the two together), and Forge's key rule.
//!
//! Nothing in a write path reads a list that grows: each record is its own
//! key or entity, and what must be found later is found through a key
//! prefix (`kvs.query()` with `WhereConditions.beginsWith`, which answers
//! in key order) or an entity index. So a write costs the same at 100
//! records and at 100,000.
//!
//! | What | Where | Found by |
//! |---|---|---|
//! | schema version | KVS `storage:schema` | key |
//! | configuration | KVS `config:app` | key |
//! | audit records | entity `audit-record`, key = record id | indexes `by-target`, `by-target-id`, `by-requester`, `by-issue`, `by-operation`, `by-outcome`, `by-time` (range `atMs`) |
//! | idempotency records | entity `idempotency`, key = SHA-256 of the call's identity | key; `by-stored-at` for the purge |
//! | portal operations waiting | entity `pending-operation`, key = `{issueKey}:{route}` as a key part | key; `by-due` (range `dueAtMs`) for the sweep; `by-issue` (partition `issueKey`) for a request's operations |
//! | credentials awaiting reveal | secret `delivery:{id}`; KVS `delivery:expiry:{expiresAtMs, 15 digits}:{id}` | prefix `delivery:expiry:`, in expiry order |
//! | bulk jobs | KVS `job:{id}`; `job:{id}:items:{chunk, 4 digits}`; each item's outcome `job:{id}:outcome:{chunk}:{index, 5 digits}`; each chunk's count of deliveries that started at its first unfinished item `job:{id}:attempt:{chunk}` | key; prefix `job:{id}:outcome:` |
//! | jobs by age | KVS `jobs:created:{createdAtMs, 15 digits}:{id}` | prefix, oldest first, for retention |
//! | jobs newest first | KVS `jobs:newest:{999999999999999 - createdAtMs, 15 digits}:{id}` | prefix, newest first, for the admin page's Jobs tab (`jobs::recent`) |
//! | inputs waiting for JSM approval | KVS `approval:{issueKey}:{route}:{operation}` (operation: 16 hex digits of the idempotency key's SHA-256, `-` without one) | key |
//! | caches | KVS `ui:panel:{issueKey}`, `cache:tap-policy` | key |
//! | tenant facts: the configured groups' kinds by id, each with its read time (`policy::tenant_facts`) | KVS `cache:group-facts` | key |
//! | HMAC replay window | KVS `hmac-seen:{timestamp, 12 digits}:{sha256}` per used signature | key; prefix, oldest first, to prune |
//! | app secrets | secrets `graph:client-secret`, `service-api:key-verifier`, `service-api:hmac-secret` | key |
//! | scheduled steps (a joiner's activation, a leaver's offboarding, grace steps) | entity `scheduled-step`, key = `{userId}:{step}` | `by-due` (range `dueAtMs`, set only while the step waits or runs) for the scheduler; `by-person` (partition `userId`, range `createdAtMs`) for a person's steps; `by-finished` (range `finishedAtMs`, set once the step has ended) for the retention purge |
//! | one lifecycle state per person (joining, active, leaving, left) | entity `lifecycle-state`, key = the user's object id | key; `by-state` (partition `state`, range `updatedAtMs`) |
//! | reserved: schedules | KVS prefix `schedule:` | |
//! | reserved: import checkpoints | KVS prefix `import:` (`import:{source}:checkpoint`) | |
//! | Assets import sources | KVS `import:index` (the configured import ids) | key |
//! | an Assets import's configuration | KVS `import:{importId}:config` | key |
//! | an Assets import's run in progress | KVS `import:{importId}:run` | key |
//! | committed Graph delta links | KVS `import:{importId}:delta:users`, `import:{importId}:delta:groups` | key |
//! | reverse membership index (member id -> group ids) | KVS `import:{importId}:mo:{00..ff}` (first byte of the member id) | prefix `import:{importId}:mo:` |
//! | imported groups (name, record, member count) | KVS `import:{importId}:grp:{00..ff}` (first byte of the group id) | prefix `import:{importId}:grp:` |
//! | an Assets import's last run | KVS `import:{importId}:last` | key |
//! | the tenant's Graph throttle budget as bulk jobs learnt it (`jobs::budget`) | KVS `cache:graph-budget` | key |
//!
//! Numbers inside keys are zero-padded so that key order is numeric order.
//! Times in entities are `float` attributes: Forge's `integer` is 32-bit and
//! milliseconds since the epoch do not fit.

/// Forge KVS keys (and entity keys) are at most this many characters.
/// <https://developer.atlassian.com/platform/forge/storage-reference/handling-errors-kvs/>
pub const MAX_KEY_CHARS: usize = 500;

/// The version of this layout, stored under [`SCHEMA_VERSION_KEY`] once
/// data written by an older version has been moved (version 1 is the
/// layout before entities: `/` in keys and hand-kept index documents).
pub const SCHEMA_VERSION: u64 = 2;

/// KVS key of `{"version": n}`: the layout the stored data follows.
pub const SCHEMA_VERSION_KEY: &str = "storage:schema";
/// KVS key of the admin's configuration.
pub const CONFIG_KEY: &str = "config:app";
/// Secret storage key of the Entra client secret.
pub const CLIENT_SECRET_KEY: &str = "graph:client-secret";
/// Secret storage key of the Service API key verifiers.
pub const SERVICE_KEY_SECRET: &str = "service-api:key-verifier";
/// Secret storage key of the Service API HMAC secret.
pub const HMAC_SECRET_KEY: &str = "service-api:hmac-secret";
/// KVS key of the TAP policy cache.
pub const TAP_POLICY_CACHE_KEY: &str = "cache:tap-policy";
/// KVS key of the tenant facts cache: the configured groups' facts.
pub const GROUP_FACTS_CACHE_KEY: &str = "cache:group-facts";

/// True when Forge accepts `key`: 1 to [`MAX_KEY_CHARS`] characters, each
/// a letter, digit, `:`, `.`, `_`, whitespace, `-` or `#`, and not only
/// whitespace (`^(?!\s+$)[a-zA-Z0-9:._\s-#]+$`).
pub fn is_valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().count() <= MAX_KEY_CHARS
        && !key.chars().all(char::is_whitespace)
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c.is_whitespace() || ":._-#".contains(c))
}

/// A value from outside (an issue key, a job id) as a key part: ASCII
/// letters, digits, `.`, `_` and `-` kept, every other byte `#hh`.
pub fn key_part(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'-') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("#{byte:02x}"));
        }
    }
    out
}

/// KVS key of a job's record.
pub fn job_key(job_id: &str) -> String {
    format!("job:{}", key_part(job_id))
}
/// KVS key of the items of one chunk of a job.
pub fn job_items_key(job_id: &str, chunk: usize) -> String {
    format!("job:{}:items:{chunk:04}", key_part(job_id))
}
/// Prefix of every outcome of a job (`chunk` given: of one chunk).
pub fn job_outcome_prefix(job_id: &str, chunk: Option<usize>) -> String {
    match chunk {
        Some(chunk) => format!("job:{}:outcome:{chunk:04}:", key_part(job_id)),
        None => format!("job:{}:outcome:", key_part(job_id)),
    }
}
/// KVS key of one item's outcome.
pub fn job_outcome_key(job_id: &str, chunk: usize, index: usize) -> String {
    format!("{}{index:05}", job_outcome_prefix(job_id, Some(chunk)))
}
/// KVS key counting the deliveries of a chunk that started at the same
/// unfinished item.
pub fn job_attempt_key(job_id: &str, chunk: usize) -> String {
    format!("job:{}:attempt:{chunk:04}", key_part(job_id))
}
/// Prefix of every key of a job but its record (items, outcomes, attempts).
pub fn job_children_prefix(job_id: &str) -> String {
    format!("job:{}:", key_part(job_id))
}
/// Prefix of the jobs-by-age keys.
pub const JOBS_CREATED_PREFIX: &str = "jobs:created:";
/// KVS key listing a job by its creation time (value: the job id).
pub fn job_created_key(created_at_ms: u64, job_id: &str) -> String {
    format!(
        "{JOBS_CREATED_PREFIX}{created_at_ms:015}:{}",
        key_part(job_id)
    )
}

/// Prefix of the newest-first job keys.
pub const JOBS_NEWEST_PREFIX: &str = "jobs:newest:";
/// Largest time a newest-first key can invert (15 digits of milliseconds).
const NEWEST_MAX_MS: u64 = 999_999_999_999_999;
/// KVS key listing a job newest first (value: the job id): the creation
/// time is inverted so that ascending key order is newest first.
pub fn job_newest_key(created_at_ms: u64, job_id: &str) -> String {
    format!(
        "{JOBS_NEWEST_PREFIX}{:015}:{}",
        NEWEST_MAX_MS.saturating_sub(created_at_ms),
        key_part(job_id)
    )
}

/// Prefix of the credential expiry keys.
pub const CREDENTIAL_EXPIRY_PREFIX: &str = "delivery:expiry:";
/// KVS key listing an unrevealed credential by its expiry.
pub fn credential_expiry_key(expires_at_ms: u64, delivery_id: &str) -> String {
    format!(
        "{CREDENTIAL_EXPIRY_PREFIX}{expires_at_ms:015}:{}",
        key_part(delivery_id)
    )
}

/// Prefix of the HMAC replay-window keys.
pub const HMAC_SEEN_PREFIX: &str = "hmac-seen:";
/// KVS key recording one used request signature (by its SHA-256, hex) and
/// its timestamp (seconds), so a replay is refused.
pub fn hmac_seen_key(sent_at_seconds: u64, digest: &str) -> String {
    format!(
        "{HMAC_SEEN_PREFIX}{sent_at_seconds:012}:{}",
        key_part(digest)
    )
}

/// Prefix reserved for schedule bookkeeping in KVS (the steps themselves
/// are [`SCHEDULED_STEP_ENTITY`] entities).
pub const SCHEDULE_PREFIX: &str = "schedule:";
/// Prefix reserved for import checkpoints.
pub const IMPORT_PREFIX: &str = "import:";
/// KVS key of the checkpoint of an import from `source` (where a resumed
/// import picks up).
pub fn import_checkpoint_key(source: &str) -> String {
    format!("{IMPORT_PREFIX}{}:checkpoint", key_part(source))
}

/// KVS key of the list of configured Assets import ids (`assets`).
pub const IMPORT_INDEX_KEY: &str = "import:index";
/// Prefix of every key of one Assets import (`onDeleteImport` removes
/// them all).
pub fn import_prefix(import_id: &str) -> String {
    format!("{IMPORT_PREFIX}{}:", key_part(import_id))
}
/// KVS key of an Assets import's configuration.
pub fn import_config_key(import_id: &str) -> String {
    format!("{}config", import_prefix(import_id))
}
/// KVS key of an Assets import's run in progress (its checkpoint).
pub fn import_run_key(import_id: &str) -> String {
    format!("{}run", import_prefix(import_id))
}
/// KVS key of the committed Graph delta link of one sweep (`users` or
/// `groups`) of an Assets import.
pub fn import_delta_key(import_id: &str, sweep: &str) -> String {
    format!("{}delta:{}", import_prefix(import_id), key_part(sweep))
}
/// Prefix of an Assets import's reverse membership index shards.
pub fn import_member_of_prefix(import_id: &str) -> String {
    format!("{}mo:", import_prefix(import_id))
}
/// KVS key of one reverse membership index shard (member ids whose first
/// byte is `shard`).
pub fn import_member_of_key(import_id: &str, shard: u8) -> String {
    format!("{}{shard:02x}", import_member_of_prefix(import_id))
}
/// Prefix of an Assets import's imported-group shards.
pub fn import_groups_prefix(import_id: &str) -> String {
    format!("{}grp:", import_prefix(import_id))
}
/// KVS key of one imported-group shard (group ids whose first byte is
/// `shard`).
pub fn import_groups_key(import_id: &str, shard: u8) -> String {
    format!("{}{shard:02x}", import_groups_prefix(import_id))
}
/// KVS key of an Assets import's last finished run.
pub fn import_last_key(import_id: &str) -> String {
    format!("{}last", import_prefix(import_id))
}

/// KVS key of the input digests recorded while a call on a request waits
/// for JSM approval (`pipeline::approval`): one per request, route and
/// operation (`operation`: 16 hex digits of the idempotency key's SHA-256,
/// `-` without one).
pub fn approval_key(issue_key: &str, route: &str, operation: &str) -> String {
    format!(
        "approval:{}:{}:{}",
        key_part(issue_key),
        key_part(route),
        key_part(operation)
    )
}

/// KVS key of the issue panel's cached view of one request.
pub fn panel_cache_key(issue_key: &str) -> String {
    format!("ui:panel:{}", key_part(issue_key))
}

/// A Custom Entity Store attribute type (Forge's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// `string`.
    String,
    /// `float` (used for milliseconds since the epoch).
    Float,
    /// `integer`: 32-bit signed.
    Integer,
    /// `any`: any JSON value, not indexable.
    Any,
}

impl AttributeType {
    /// The manifest's name of the type.
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Float => "float",
            AttributeType::Integer => "integer",
            AttributeType::Any => "any",
        }
    }
}

/// One index of an entity: entities with every partition attribute and the
/// range attribute set are in it; a query names the partition values and
/// may bound and sort by the range attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexDecl {
    /// The index's name, as queries give it.
    pub name: &'static str,
    /// Attributes whose values a query must give exactly (may be empty).
    pub partition: &'static [&'static str],
    /// The attribute results are ordered and bounded by.
    pub range: &'static str,
}

/// One entity, as `manifest.yml` declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityDecl {
    /// The entity's name (3 to 60 characters of `[a-z0-9:-_.]`).
    pub name: &'static str,
    /// Attribute names and types.
    pub attributes: &'static [(&'static str, AttributeType)],
    /// Its indexes.
    pub indexes: &'static [IndexDecl],
}

impl EntityDecl {
    /// The index called `name`.
    pub fn index(&self, name: &str) -> Option<&IndexDecl> {
        self.indexes.iter().find(|i| i.name == name)
    }
}

/// Entity of audit records. Partition values are case-folded.
pub const AUDIT_ENTITY: &str = "audit-record";
/// Entity of remembered answers for idempotent replay.
pub const IDEMPOTENCY_ENTITY: &str = "idempotency";
/// Entity of portal operations waiting for approval or a date.
pub const PENDING_ENTITY: &str = "pending-operation";
/// Entity of scheduled steps (`crate::schedule`): one per person and step.
pub const SCHEDULED_STEP_ENTITY: &str = "scheduled-step";
/// Entity of each person's lifecycle state (`crate::schedule::state`).
pub const LIFECYCLE_STATE_ENTITY: &str = "lifecycle-state";

const fn by(
    name: &'static str,
    partition: &'static [&'static str],
    range: &'static str,
) -> IndexDecl {
    IndexDecl {
        name,
        partition,
        range,
    }
}

/// Every entity the app declares, in `manifest.yml` order.
pub const ENTITIES: &[EntityDecl] = &[
    EntityDecl {
        name: AUDIT_ENTITY,
        attributes: &[
            ("atMs", AttributeType::Float),
            ("target", AttributeType::String),
            ("targetId", AttributeType::String),
            ("requester", AttributeType::String),
            ("issue", AttributeType::String),
            ("operation", AttributeType::String),
            ("outcome", AttributeType::String),
            ("record", AttributeType::Any),
        ],
        indexes: &[
            by("by-target", &["target"], "atMs"),
            by("by-target-id", &["targetId"], "atMs"),
            by("by-requester", &["requester"], "atMs"),
            by("by-issue", &["issue"], "atMs"),
            by("by-operation", &["operation"], "atMs"),
            by("by-outcome", &["outcome"], "atMs"),
            by("by-time", &[], "atMs"),
        ],
    },
    EntityDecl {
        name: IDEMPOTENCY_ENTITY,
        attributes: &[
            ("storedAtMs", AttributeType::Float),
            ("answer", AttributeType::Any),
            ("startedAuditId", AttributeType::String),
        ],
        indexes: &[by("by-stored-at", &[], "storedAtMs")],
    },
    EntityDecl {
        name: PENDING_ENTITY,
        attributes: &[
            ("dueAtMs", AttributeType::Float),
            ("issueKey", AttributeType::String),
            ("operation", AttributeType::Any),
        ],
        indexes: &[
            by("by-due", &[], "dueAtMs"),
            by("by-issue", &["issueKey"], "dueAtMs"),
        ],
    },
    EntityDecl {
        name: SCHEDULED_STEP_ENTITY,
        attributes: &[
            ("dueAtMs", AttributeType::Float),
            ("userId", AttributeType::String),
            ("createdAtMs", AttributeType::Float),
            ("step", AttributeType::Any),
            ("finishedAtMs", AttributeType::Float),
        ],
        indexes: &[
            by("by-due", &[], "dueAtMs"),
            by("by-person", &["userId"], "createdAtMs"),
            by("by-finished", &[], "finishedAtMs"),
        ],
    },
    EntityDecl {
        name: LIFECYCLE_STATE_ENTITY,
        attributes: &[
            ("state", AttributeType::String),
            ("updatedAtMs", AttributeType::Float),
            ("person", AttributeType::Any),
        ],
        indexes: &[by("by-state", &["state"], "updatedAtMs")],
    },
];

/// The declared entity called `name`.
pub fn entity(name: &str) -> Option<&'static EntityDecl> {
    ENTITIES.iter().find(|e| e.name == name)
}

/// [`ENTITIES`] in the shape of `manifest.yml`'s `app.storage.entities`:
/// `[{"name", "attributes": {name: {"type"}}, "indexes": [{"name",
/// "partition"?, "range": [attribute]}]}]`, so a test can hold the two
/// together.
pub fn entities_json() -> serde_json::Value {
    use serde_json::{json, Map, Value};
    Value::Array(
        ENTITIES
            .iter()
            .map(|e| {
                let attributes: Map<String, Value> = e
                    .attributes
                    .iter()
                    .map(|(n, t)| (n.to_string(), json!({"type": t.as_str()})))
                    .collect();
                let indexes: Vec<Value> = e
                    .indexes
                    .iter()
                    .map(|i| {
                        let mut index = json!({"name": i.name, "range": [i.range]});
                        if !i.partition.is_empty() {
                            index["partition"] = json!(i.partition);
                        }
                        index
                    })
                    .collect();
                json!({"name": e.name, "attributes": attributes, "indexes": indexes})
            })
            .collect(),
    )
}

/// KVS key of the Graph throttle budget bulk jobs learnt from the tenant's
/// 429s (`jobs::budget`).
pub const GRAPH_BUDGET_KEY: &str = "cache:graph-budget";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forge_key_rule() {
        assert!(is_valid_key("job:abc:outcome:0001:00002"));
        assert!(is_valid_key("a b#c-d_e.f:g"));
        assert!(!is_valid_key("   "));
        assert!(!is_valid_key(""));
        assert!(!is_valid_key("job/abc"));
        assert!(!is_valid_key(&"a".repeat(501)));
        assert!(is_valid_key(&"a".repeat(500)));
    }

    #[test]
    fn key_parts_escape_what_forge_refuses() {
        assert_eq!(key_part("ITSM-42"), "ITSM-42");
        assert_eq!(key_part("a/b c"), "a#2fb#20c");
    }
}

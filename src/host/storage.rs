//! The shapes of Forge storage's richer operations, mirroring `@forge/kvs`
//! 1.6.5: key queries (`kvs.query()`), transactions (`kvs.transact()`) and
//! Custom Entity Store queries (`kvs.entity(name).query().index(...)`).
//! Each serialises to the JSON the JS host passes straight to `@forge/kvs`.
//!
//! Sources: <https://developer.atlassian.com/platform/forge/storage-reference/query/>,
//! <https://developer.atlassian.com/platform/forge/storage-reference/transactions/>,
//! <https://developer.atlassian.com/platform/forge/storage-reference/entities-query/>.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Value};

/// Most results one query page may ask for (`limit`).
pub const MAX_QUERY_LIMIT: usize = 100;

/// Most operations the app puts in one transaction. Forge refuses larger
/// transactions; the app splits work to stay under it.
pub const MAX_TRANSACTION_OPS: usize = 25;

/// One stored value and its key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The key (for an entity, the entity's key).
    pub key: String,
    /// The value (for an entity, the object of its attributes).
    pub value: Value,
}

/// One page of a query: results in order, and the cursor of the next page
/// (`None` on the last page).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// At most the query's `limit` entries.
    #[serde(default)]
    pub results: Vec<Entry>,
    /// Pass to the next query to read on; opaque.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// `kvs.query().where('key', WhereConditions.beginsWith(prefix))`: KVS keys
/// starting with `begins_with`, in ascending key order (`@forge/kvs` has no
/// other order for key queries).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyQuery {
    /// The key prefix.
    pub begins_with: String,
    /// Page size, 1 to [`MAX_QUERY_LIMIT`].
    pub limit: usize,
    /// The previous page's `next_cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

impl KeyQuery {
    /// The first page of keys starting with `prefix`, `limit` at a time.
    pub fn prefix(prefix: impl Into<String>, limit: usize) -> Self {
        KeyQuery {
            begins_with: prefix.into(),
            limit: limit.clamp(1, MAX_QUERY_LIMIT),
            cursor: None,
        }
    }
}

/// Result order of an entity query, by the index's range attribute (then
/// by key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Sort {
    /// Smallest first (`Sort.ASC`).
    #[serde(rename = "ASC")]
    Asc,
    /// Largest first (`Sort.DESC`).
    #[serde(rename = "DESC")]
    Desc,
}

/// A condition on an index's range attribute (`WhereConditions`). Values
/// are strings or numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Range {
    /// `between(a, b)`, both inclusive.
    Between(Value, Value),
    /// `beginsWith(v)` (strings).
    BeginsWith(Value),
    /// `equalTo(v)`.
    EqualTo(Value),
    /// `greaterThan(v)`.
    GreaterThan(Value),
    /// `greaterThanEqualTo(v)`.
    GreaterThanEqualTo(Value),
    /// `lessThan(v)`.
    LessThan(Value),
    /// `lessThanEqualTo(v)`.
    LessThanEqualTo(Value),
}

impl Range {
    /// `{"condition": "BETWEEN", "values": [a, b]}` and so on, as
    /// `@forge/kvs` builds it.
    pub fn to_json(&self) -> Value {
        let (condition, values) = match self {
            Range::Between(a, b) => ("BETWEEN", vec![a.clone(), b.clone()]),
            Range::BeginsWith(v) => ("BEGINS_WITH", vec![v.clone()]),
            Range::EqualTo(v) => ("EQUAL_TO", vec![v.clone()]),
            Range::GreaterThan(v) => ("GREATER_THAN", vec![v.clone()]),
            Range::GreaterThanEqualTo(v) => ("GREATER_THAN_EQUAL_TO", vec![v.clone()]),
            Range::LessThan(v) => ("LESS_THAN", vec![v.clone()]),
            Range::LessThanEqualTo(v) => ("LESS_THAN_EQUAL_TO", vec![v.clone()]),
        };
        json!({"condition": condition, "values": values})
    }

    /// Whether `value` satisfies the condition: numbers compare as numbers,
    /// strings as strings; a value of another type never does.
    pub fn admits(&self, value: &Value) -> bool {
        use std::cmp::Ordering::*;
        let cmp = |bound: &Value| compare(value, bound);
        match self {
            Range::Between(a, b) => {
                matches!(cmp(a), Some(Greater | Equal)) && matches!(cmp(b), Some(Less | Equal))
            }
            Range::BeginsWith(p) => match (value, p) {
                (Value::String(v), Value::String(p)) => v.starts_with(p.as_str()),
                _ => false,
            },
            Range::EqualTo(v) => cmp(v) == Some(Equal),
            Range::GreaterThan(v) => cmp(v) == Some(Greater),
            Range::GreaterThanEqualTo(v) => matches!(cmp(v), Some(Greater | Equal)),
            Range::LessThan(v) => cmp(v) == Some(Less),
            Range::LessThanEqualTo(v) => matches!(cmp(v), Some(Less | Equal)),
        }
    }
}

impl Serialize for Range {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// Orders two attribute values of one type (numbers, strings or booleans).
pub fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// `kvs.entity(entity_name).query().index(index_name, {partition})`
/// `.where(range).sort(sort).limit(limit).cursor(cursor).getMany()`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityQuery {
    /// The entity (`manifest.yml` `app.storage.entities[].name`).
    pub entity_name: String,
    /// One of its indexes.
    pub index_name: String,
    /// The index's partition values, in the index's order (empty for an
    /// index without a partition).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partition: Vec<Value>,
    /// A condition on the index's range attribute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
    /// Result order by the range attribute.
    pub sort: Sort,
    /// Page size, 1 to [`MAX_QUERY_LIMIT`].
    pub limit: usize,
    /// The previous page's `next_cursor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// A condition a transaction's entity operation requires of the stored
/// entity (`Filter().and(property, condition)`); all must hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// The attribute exists.
    Exists(String),
    /// The attribute does not exist (so neither does an entity without it).
    NotExists(String),
    /// The attribute equals the value.
    EqualTo(String, Value),
    /// The attribute is absent or differs from the value.
    NotEqualTo(String, Value),
}

impl Condition {
    /// `{"property", "condition", "values"}` as `@forge/kvs` filters are.
    pub fn to_json(&self) -> Value {
        match self {
            Condition::Exists(p) => json!({"property": p, "condition": "EXISTS", "values": [true]}),
            Condition::NotExists(p) => {
                json!({"property": p, "condition": "NOT_EXISTS", "values": [true]})
            }
            Condition::EqualTo(p, v) => {
                json!({"property": p, "condition": "EQUAL_TO", "values": [v]})
            }
            Condition::NotEqualTo(p, v) => {
                json!({"property": p, "condition": "NOT_EQUAL_TO", "values": [v]})
            }
        }
    }

    /// Whether the stored entity value (`None`: no such entity) satisfies it.
    pub fn holds(&self, stored: Option<&Value>) -> bool {
        let attribute = |p: &str| stored.and_then(|v| v.get(p)).filter(|v| !v.is_null());
        match self {
            Condition::Exists(p) => attribute(p).is_some(),
            Condition::NotExists(p) => attribute(p).is_none(),
            Condition::EqualTo(p, v) => attribute(p) == Some(v),
            Condition::NotEqualTo(p, v) => attribute(p) != Some(v),
        }
    }
}

/// One operation of a transaction. `entity` names the Custom Entity Store
/// entity the key belongs to (`None`: a plain KVS key).
#[derive(Debug, Clone, PartialEq)]
pub enum TxOp {
    /// `set(key, value, {entityName, conditions})`.
    Set {
        /// The key.
        key: String,
        /// The value (for an entity, its attributes).
        value: Value,
        /// The entity, if any.
        entity: Option<String>,
        /// What the stored entity must satisfy (entities only).
        conditions: Vec<Condition>,
    },
    /// `delete(key, {entityName, conditions})`.
    Delete {
        /// The key.
        key: String,
        /// The entity, if any.
        entity: Option<String>,
        /// What the stored entity must satisfy (entities only).
        conditions: Vec<Condition>,
    },
    /// `check(key, {entityName, conditions})`: writes nothing, fails the
    /// transaction unless the conditions hold.
    Check {
        /// The key.
        key: String,
        /// The entity.
        entity: String,
        /// What the stored entity must satisfy (at least one).
        conditions: Vec<Condition>,
    },
}

impl TxOp {
    /// A plain KVS set.
    pub fn set(key: impl Into<String>, value: Value) -> Self {
        TxOp::Set {
            key: key.into(),
            value,
            entity: None,
            conditions: Vec::new(),
        }
    }
    /// A plain KVS delete.
    pub fn delete(key: impl Into<String>) -> Self {
        TxOp::Delete {
            key: key.into(),
            entity: None,
            conditions: Vec::new(),
        }
    }
    /// An unconditional entity set.
    pub fn set_entity(entity: &str, key: impl Into<String>, value: Value) -> Self {
        TxOp::Set {
            key: key.into(),
            value,
            entity: Some(entity.to_string()),
            conditions: Vec::new(),
        }
    }
    /// An unconditional entity delete.
    pub fn delete_entity(entity: &str, key: impl Into<String>) -> Self {
        TxOp::Delete {
            key: key.into(),
            entity: Some(entity.to_string()),
            conditions: Vec::new(),
        }
    }

    /// The key the operation touches.
    pub fn key(&self) -> &str {
        match self {
            TxOp::Set { key, .. } | TxOp::Delete { key, .. } | TxOp::Check { key, .. } => key,
        }
    }

    /// `{"op": "set" | "delete" | "check", "key", "value"?, "entityName"?,
    /// "conditions"?}`: what `src/host.js` turns into builder calls.
    pub fn to_json(&self) -> Value {
        let conditions = |c: &[Condition]| -> Value {
            if c.is_empty() {
                Value::Null
            } else {
                Value::Array(c.iter().map(Condition::to_json).collect())
            }
        };
        match self {
            TxOp::Set {
                key,
                value,
                entity,
                conditions: c,
            } => {
                json!({"op": "set", "key": key, "value": value, "entityName": entity, "conditions": conditions(c)})
            }
            TxOp::Delete {
                key,
                entity,
                conditions: c,
            } => {
                json!({"op": "delete", "key": key, "entityName": entity, "conditions": conditions(c)})
            }
            TxOp::Check {
                key,
                entity,
                conditions: c,
            } => {
                json!({"op": "check", "key": key, "entityName": entity, "conditions": conditions(c)})
            }
        }
    }
}

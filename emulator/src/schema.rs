//! Graph property declarations for the types the emulator serves, read from
//! `schema/graph-subset.json` (extracted from Microsoft's v1.0 CSDL by
//! `scripts/extract_schema.py`). Requests and seeds are checked against it so the
//! emulator neither accepts nor invents a property Graph does not declare.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

const SUBSET: &str = include_str!("../schema/graph-subset.json");

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphSchema {
    pub source: String,
    pub types: HashMap<String, GraphType>,
    pub referenced_type_kinds: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GraphType {
    pub kind: String,
    /// Property name -> EDM type, base-type properties included.
    pub properties: HashMap<String, String>,
    pub navigation_properties: Vec<String>,
}

/// The committed subset. It is compiled in, so a parse failure is a build defect
/// caught by the conformance tests; an empty schema is used rather than panicking.
pub fn graph_schema() -> &'static GraphSchema {
    static SCHEMA: OnceLock<GraphSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        serde_json::from_str(SUBSET).unwrap_or_else(|_| GraphSchema {
            source: String::new(),
            types: HashMap::new(),
            referenced_type_kinds: HashMap::new(),
        })
    })
}

/// The EDM type of `property` on `type_name`, if declared.
pub fn property_type(type_name: &str, property: &str) -> Option<&'static str> {
    graph_schema()
        .types
        .get(type_name)
        .and_then(|t| t.properties.get(property))
        .map(String::as_str)
}

/// Property names match case-insensitively in OData; returns the declared spelling.
pub fn canonical_property(type_name: &str, property: &str) -> Option<&'static str> {
    let t = graph_schema().types.get(type_name)?;
    t.properties
        .keys()
        .find(|k| k.eq_ignore_ascii_case(property))
        .map(String::as_str)
}

/// Does a JSON value fit an EDM type? `null` fits every type here (Graph returns
/// null for unset properties).
pub fn value_fits(edm: &str, value: &serde_json::Value) -> bool {
    use serde_json::Value;
    if value.is_null() {
        return true;
    }
    if let Some(inner) = edm
        .strip_prefix("Collection(")
        .and_then(|s| s.strip_suffix(')'))
    {
        return match value {
            Value::Array(items) => items.iter().all(|v| !v.is_null() && value_fits(inner, v)),
            _ => false,
        };
    }
    match edm {
        "Edm.String" | "Edm.Guid" | "Edm.DateTimeOffset" | "Edm.Date" | "Edm.Binary"
        | "Edm.Duration" | "Edm.TimeOfDay" => value.is_string(),
        "Edm.Boolean" => value.is_boolean(),
        "Edm.Int32" | "Edm.Int64" | "Edm.Double" | "Edm.Single" | "Edm.Decimal" => {
            value.is_number()
        }
        other => match other.strip_prefix("graph.") {
            Some(name) => match graph_schema()
                .referenced_type_kinds
                .get(name)
                .map(String::as_str)
            {
                Some("enum") => value.is_string(),
                Some(_) => value.is_object(),
                None => false,
            },
            None => false,
        },
    }
}

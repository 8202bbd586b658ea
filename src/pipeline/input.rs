//! Reading a route's `data` object: typed fields with errors that name the
//! exact path (`data.user`, `data.groups[2]`), and no unknown fields.

use super::error::ApiError;
use crate::lifecycle::{ObjectId, OpError, UserRef};
pub use crate::route::inputs::MAX_GROUPS;
use serde_json::{Map, Value};

/// How a caller names a group: by object id, or by display name (resolved
/// against Entra, and then held to the serviceable-groups policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupRef {
    /// An object id (a GUID).
    Id(ObjectId),
    /// The display name of a group; must match exactly one group.
    DisplayName(String),
}

/// A route's `data` object, checked against the names the route declares, read field by field; each error names `data.<field>`.
pub struct Data<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Data<'a> {
    /// Wraps `data`, refusing fields the route does not know.
    pub fn new(map: &'a Map<String, Value>, allowed: &[&str]) -> Result<Self, ApiError> {
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(ApiError::invalid(
                format!("data.{unknown}"),
                format!(
                    "Unknown field 'data.{}'. This route accepts: {}.",
                    printable(unknown),
                    allowed.join(", ")
                ),
            ));
        }
        Ok(Data { map })
    }

    /// The field's value; `null`, `""` and whitespace-only strings are "not
    /// given" (Jira prints an unfilled form field as `""`), so an optional
    /// field is absent and a required one is "required".
    fn get(&self, field: &str) -> Option<&'a Value> {
        self.map.get(field).filter(|v| !is_blank(v))
    }

    /// A user: an object id or an address (userPrincipalName, mail or proxy
    /// address) as a string, or an object with exactly one of `id`,
    /// `userPrincipalName`, `mail`, `employeeId`.
    pub fn user(&self, field: &str) -> Result<UserRef, ApiError> {
        let path = format!("data.{field}");
        match self.get(field) {
            None => Err(ApiError::invalid(&path, format!("'{path}' is required."))),
            Some(value) => user_ref(value, &path),
        }
    }

    /// A user named as [`Data::user`] accepts, if present.
    pub fn optional_user(&self, field: &str) -> Result<Option<UserRef>, ApiError> {
        let path = format!("data.{field}");
        self.get(field).map(|v| user_ref(v, &path)).transpose()
    }

    /// A required group: object id or display name.
    pub fn group(&self, field: &str) -> Result<GroupRef, ApiError> {
        let path = format!("data.{field}");
        match self.get(field) {
            None => Err(ApiError::invalid(&path, format!("'{path}' is required."))),
            Some(value) => group_ref(value, &path),
        }
    }

    /// An optional array of at most [`MAX_GROUPS`] groups (absent: none;
    /// `""` and blank items are left out, as Jira prints unfilled values);
    /// an error names the item, e.g. `data.groups[2]`, or the array when it
    /// is too long (before any item is read).
    pub fn groups(&self, field: &str) -> Result<Vec<GroupRef>, ApiError> {
        let path = format!("data.{field}");
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                let given = items.iter().filter(|v| !is_blank(v)).count();
                if given > MAX_GROUPS {
                    return Err(ApiError::invalid(
                        &path,
                        format!("'{path}' may name at most {MAX_GROUPS} groups; it names {given}."),
                    ));
                }
                items
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !is_blank(v))
                    .map(|(i, v)| group_ref(v, &format!("{path}[{i}]")))
                    .collect()
            }
            Some(other) => Err(wrong_type(&path, "an array", other)),
        }
    }

    /// An array of at most `max` strings (blank items left out); `None`
    /// when absent. An error names the array or the item, e.g.
    /// `data.skus[1]`; `required` refuses an absent or empty array.
    pub fn strings(
        &self,
        field: &str,
        max: usize,
        required: bool,
    ) -> Result<Vec<String>, ApiError> {
        let path = format!("data.{field}");
        let items = match self.get(field) {
            None => Vec::new(),
            Some(Value::Array(items)) => {
                let given = items.iter().filter(|v| !is_blank(v)).count();
                if given > max {
                    return Err(ApiError::invalid(
                        &path,
                        format!("'{path}' may name at most {max} items; it names {given}."),
                    ));
                }
                items
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !is_blank(v))
                    .map(|(i, v)| match v {
                        Value::String(s) => Ok(s.trim().to_string()),
                        other => Err(wrong_type(&format!("{path}[{i}]"), "a string", other)),
                    })
                    .collect::<Result<Vec<_>, _>>()?
            }
            Some(other) => return Err(wrong_type(&path, "an array", other)),
        };
        if required && items.is_empty() {
            return Err(ApiError::invalid(&path, format!("'{path}' is required.")));
        }
        Ok(items)
    }

    /// An optional array of at most `max` users, each as [`Data::user`]
    /// accepts (blank items left out); an error names the item
    /// (`data.sponsors[1]`).
    pub fn users(&self, field: &str, max: usize) -> Result<Vec<UserRef>, ApiError> {
        let path = format!("data.{field}");
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => {
                if items.iter().filter(|v| !is_blank(v)).count() > max {
                    return Err(ApiError::invalid(
                        &path,
                        format!("'{path}' may name at most {max} users."),
                    ));
                }
                items
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !is_blank(v))
                    .map(|(i, v)| user_ref(v, &format!("{path}[{i}]")))
                    .collect()
            }
            Some(other) => Err(wrong_type(&path, "an array", other)),
        }
    }

    /// An optional array of strings (blank items left out), each trimmed,
    /// with the index it had, for errors naming the item.
    pub fn indexed_strings(&self, field: &str) -> Result<Vec<(usize, String)>, ApiError> {
        let path = format!("data.{field}");
        match self.get(field) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .filter(|(_, v)| !is_blank(v))
                .map(|(i, v)| match v {
                    Value::String(s) => Ok((i, s.trim().to_string())),
                    other => Err(wrong_type(&format!("{path}[{i}]"), "a string", other)),
                })
                .collect(),
            Some(other) => Err(wrong_type(&path, "an array", other)),
        }
    }

    /// An optional string, trimmed; absent, `null` or blank is `None`.
    pub fn optional_string(&self, field: &str) -> Result<Option<String>, ApiError> {
        let path = format!("data.{field}");
        match self.get(field) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
            Some(other) => Err(wrong_type(&path, "a string", other)),
        }
    }

    /// A required string; absent is a 400 "is required".
    pub fn required_string(&self, field: &str) -> Result<String, ApiError> {
        self.optional_string(field)?.ok_or_else(|| {
            ApiError::invalid(
                format!("data.{field}"),
                format!("'data.{field}' is required."),
            )
        })
    }

    /// An optional JSON boolean.
    pub fn optional_bool(&self, field: &str) -> Result<Option<bool>, ApiError> {
        match self.get(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            // Automation passes every input as text.
            Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(other) => Err(wrong_type(&format!("data.{field}"), "true or false", other)),
        }
    }

    /// An optional whole number from 0 to 4,294,967,295, given as a JSON number or (from automation smart values) a string.
    pub fn optional_u32(&self, field: &str) -> Result<Option<u32>, ApiError> {
        let path = format!("data.{field}");
        match self.get(field) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| {
                    ApiError::invalid(&path, format!("'{path}' must be a whole number."))
                }),
            // Automation smart values arrive as strings.
            Some(Value::String(s)) => {
                s.trim().parse::<u32>().map(Some).map_err(|_| {
                    ApiError::invalid(&path, format!("'{path}' must be a whole number."))
                })
            }
            Some(other) => Err(wrong_type(&path, "a number", other)),
        }
    }

    /// A nested object, as-is (for example `data.changes`).
    pub fn object(&self, field: &str) -> Result<&'a Value, ApiError> {
        let path = format!("data.{field}");
        match self.get(field) {
            Some(v @ Value::Object(_)) => Ok(v),
            None => Err(ApiError::invalid(&path, format!("'{path}' is required."))),
            Some(other) => Err(wrong_type(&path, "an object", other)),
        }
    }
}

/// `null`, `""` or a whitespace-only string: a value nobody gave.
pub fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn user_ref(value: &Value, path: &str) -> Result<UserRef, ApiError> {
    let from_op = |e: OpError| op_input_error(e, path);
    match value {
        Value::String(s) => UserRef::parse(s, path).map_err(from_op),
        Value::Object(obj) => {
            let mut keys = obj.iter().filter(|(_, v)| !v.is_null());
            let (key, inner) = match (keys.next(), keys.next()) {
                (Some(one), None) => one,
                _ => {
                    return Err(ApiError::invalid(
                        path,
                        format!("'{path}' must name the user by exactly one of id, userPrincipalName, mail, employeeId."),
                    ))
                }
            };
            let field = format!("{path}.{key}");
            // The key as given names the field; messages show it printable.
            let shown = format!("{path}.{}", printable(key));
            let Value::String(text) = inner else {
                return Err(match wrong_type(&shown, "a string", inner) {
                    ApiError::InvalidInput { message, .. } => ApiError::invalid(&field, message),
                    other => other,
                });
            };
            match key.as_str() {
                "id" => ObjectId::parse(text, &field).map(UserRef::Id),
                "userPrincipalName" => UserRef::upn(text, &field),
                "mail" => UserRef::mail(text, &field),
                "employeeId" => UserRef::employee_id(text, &field),
                _ => {
                    return Err(ApiError::invalid(
                        &field,
                        format!("'{shown}' is not a way to name a user: use id, userPrincipalName, mail or employeeId."),
                    ))
                }
            }
            .map_err(from_op)
        }
        other => Err(wrong_type(path, "a string or an object", other)),
    }
}

fn group_ref(value: &Value, path: &str) -> Result<GroupRef, ApiError> {
    match value {
        Value::String(s) if s.trim().is_empty() => Err(ApiError::invalid(
            path,
            format!("'{path}' must not be empty."),
        )),
        Value::String(s) => Ok(match ObjectId::parse(s.trim(), path) {
            Ok(id) => GroupRef::Id(id),
            // A name with control or invisible characters names no group
            // an admin could have meant: refused like any other text.
            Err(_) if s.chars().count() <= 256 => GroupRef::DisplayName(
                crate::lifecycle::ids::checked_text(s, path, 256)
                    .map_err(|e| op_input_error(e, path))?,
            ),
            Err(_) => {
                return Err(ApiError::invalid(
                    path,
                    format!("'{path}' is longer than a group name can be (256)."),
                ))
            }
        }),
        other => Err(wrong_type(path, "a group id or display name", other)),
    }
}

/// An operation's input error, re-rooted under `path` when the operation
/// named a field of its own.
pub fn op_input_error(error: OpError, path: &str) -> ApiError {
    let field = match error.field() {
        Some(f) if f.starts_with("data.") => f.to_string(),
        Some(_) | None => path.to_string(),
    };
    // The operation's message may quote the caller's input (an unknown
    // key of `changes`): control characters never reach the answer or log.
    let message = error
        .to_string()
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    ApiError::InvalidInput {
        field: Some(field),
        message,
    }
}

/// A 400 saying `field` must be `expected` and naming the JSON type received.
pub fn wrong_type(field: &str, expected: &str, got: &Value) -> ApiError {
    let got = match got {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    ApiError::invalid(field, format!("'{field}' must be {expected}, not {got}."))
}

/// Echoes caller input into a message safely: at most 64 characters, control
/// characters replaced, so an error cannot be used to inject log lines.
pub fn printable(raw: &str) -> String {
    let mut out: String = raw
        .chars()
        .take(64)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if raw.chars().count() > 64 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn data(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn field(e: ApiError) -> String {
        match e {
            ApiError::InvalidInput { field, .. } => field.unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn users_by_every_form() {
        let m = data(
            json!({"a": "adele@contoso.example", "b": {"employeeId": "E1"}, "c": {"mail": "x@y.example"}, "d": "6e7b768e-07e2-4810-8459-485f84f8f204", "e": {"userPrincipalName": "e1@contoso.example"}}),
        );
        let d = Data::new(&m, &["a", "b", "c", "d", "e"]).unwrap();
        assert!(matches!(d.user("a").unwrap(), UserRef::Address(_)));
        assert!(matches!(d.user("e").unwrap(), UserRef::Upn(_)));
        assert!(matches!(d.user("b").unwrap(), UserRef::EmployeeId(_)));
        assert!(matches!(d.user("c").unwrap(), UserRef::Mail(_)));
        assert!(matches!(d.user("d").unwrap(), UserRef::Id(_)));
    }

    #[test]
    fn errors_name_the_path() {
        let m = data(
            json!({"user": {"employeeId": "E1", "mail": "a@b.c"}, "groups": ["ok", 5], "n": "x"}),
        );
        let d = Data::new(&m, &["user", "groups", "n"]).unwrap();
        assert_eq!(field(d.user("user").unwrap_err()), "data.user");
        assert_eq!(field(d.groups("groups").unwrap_err()), "data.groups[1]");
        assert_eq!(field(d.optional_u32("n").unwrap_err()), "data.n");
        assert_eq!(field(d.user("missing").unwrap_err()), "data.missing");
        assert_eq!(
            field(Data::new(&m, &["user"]).err().unwrap()),
            "data.groups"
        );
    }
}

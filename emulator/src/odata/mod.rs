//! OData system query options: `$filter`, `$select`, `$top`, `$skiptoken`,
//! `$count`, `$expand`, and building collection pages with `@odata.nextLink`.

pub mod filter;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::errors::GraphError;
use crate::schema;
use filter::{Expr, FilterError, FilterTarget};

const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 999;

/// Decoded query parameters in order, plus the raw query for building next links.
#[derive(Debug, Clone, Default)]
pub(crate) struct QueryParams {
    pub raw: Option<String>,
    pub pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// `+` decodes to a space as in form encoding; Graph clients send `%2B` for a plus.
    pub fn parse(raw: Option<&str>) -> QueryParams {
        let pairs = raw
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        QueryParams {
            raw: raw.map(str::to_string),
            pairs,
        }
    }

    /// A system query option, with or without its `$`, case-insensitively.
    pub fn get(&self, name: &str) -> Option<&str> {
        let bare = name.trim_start_matches('$');
        self.pairs
            .iter()
            .find(|(k, _)| k.trim_start_matches('$').eq_ignore_ascii_case(bare))
            .map(|(_, v)| v.as_str())
    }
}

pub(crate) fn filter_error(e: FilterError) -> GraphError {
    match e {
        FilterError::Syntax(m) | FilterError::UnknownProperty(m) | FilterError::TypeMismatch(m) => {
            GraphError::bad_request("BadRequest", m)
        }
        FilterError::Unsupported(m) | FilterError::NeedsAdvancedQuery(m) => {
            GraphError::UnsupportedQuery(m)
        }
    }
}

/// `$select` names, validated against the type and spelled as Graph declares them.
pub(crate) fn parse_select(
    params: &QueryParams,
    type_name: &str,
) -> Result<Option<Vec<String>>, GraphError> {
    let Some(select) = params.get("$select") else {
        return Ok(None);
    };
    select_list(select, type_name).map(Some)
}

pub(crate) fn select_list(select: &str, type_name: &str) -> Result<Vec<String>, GraphError> {
    select
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            schema::canonical_property(type_name, name)
                .map(str::to_string)
                .ok_or_else(|| {
                    GraphError::bad_request(
                        "BadRequest",
                        format!(
                            "Parsing OData Select and Expand failed: Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'."
                        ),
                    )
                })
        })
        .collect()
}

/// The options of a collection GET.
pub(crate) struct ListOptions {
    pub filter: Option<Expr>,
    pub select: Option<Vec<String>>,
    pub top: usize,
    pub skip: usize,
    pub count: bool,
}

impl ListOptions {
    /// Options of a navigation listing (members, memberOf): `$select` and
    /// `$top` (1..=999, default 100), no filter. Graph ignores a bad `$top`
    /// there rather than failing, and so does this.
    pub(crate) fn navigation(params: &QueryParams, select: Option<Vec<String>>) -> Self {
        ListOptions {
            filter: None,
            select,
            top: params
                .get("$top")
                .and_then(|t| t.parse().ok())
                .filter(|t| (1..=999).contains(t))
                .unwrap_or(100),
            skip: 0,
            count: false,
        }
    }
}

/// Parses and validates collection options. `eventual` is the `ConsistencyLevel: eventual` header.
pub(crate) fn list_options(
    params: &QueryParams,
    target: &FilterTarget,
    eventual: bool,
) -> Result<ListOptions, GraphError> {
    let count = match params.get("$count") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("true") => true,
        Some(v) if v.eq_ignore_ascii_case("false") => false,
        Some(v) => {
            return Err(GraphError::bad_request(
                "BadRequest",
                format!("Invalid value '{v}' for $count query option found. The $count query option requires a Boolean value."),
            ))
        }
    };
    if count && !eventual {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            "$count is not currently supported.",
        ));
    }
    if params.get("$search").is_some() && !eventual {
        return Err(GraphError::bad_request(
            "Request_BadRequest",
            "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
        ));
    }
    let filter = match params.get("$filter") {
        None => None,
        Some(text) => {
            let expr = filter::parse(text).map_err(filter_error)?;
            target
                .validate(&expr, eventual && count)
                .map_err(filter_error)?;
            Some(expr)
        }
    };
    let top = match params.get("$top") {
        None => DEFAULT_PAGE,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(GraphError::bad_request(
                    "Request_BadRequest",
                    format!("Invalid page size specified: '{v}'. Must be between 1 and {MAX_PAGE} inclusive."),
                ))
            }
        },
    };
    let skip = match params.get("$skiptoken") {
        None => 0,
        Some(token) => decode_skiptoken(token)
            .ok_or_else(|| GraphError::bad_request("Request_BadRequest", "Invalid skip token."))?,
    };
    Ok(ListOptions {
        filter,
        select: parse_select(params, target.type_name)?,
        top,
        skip,
        count,
    })
}

fn encode_skiptoken(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("emu-skip:{offset}"))
}

fn decode_skiptoken(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix("emu-skip:")?.parse().ok()
}

/// Projects an object onto `$select` (missing properties are null) or a default set.
pub(crate) fn project(
    props: &Map<String, Value>,
    select: Option<&[String]>,
    defaults: Option<&[&str]>,
) -> Map<String, Value> {
    let names: Vec<&str> = match (select, defaults) {
        (Some(select), _) => select.iter().map(String::as_str).collect(),
        (None, Some(defaults)) => defaults.to_vec(),
        (None, None) => return props.clone(),
    };
    names
        .into_iter()
        .map(|n| (n.to_string(), props.get(n).cloned().unwrap_or(Value::Null)))
        .collect()
}

/// One page of a collection: `value`, `@odata.count` if asked, `@odata.nextLink` if more.
pub(crate) fn page(
    items: Vec<Value>,
    options: &ListOptions,
    context: &str,
    next_link_base: &str,
    params: &QueryParams,
) -> Value {
    let total = items.len();
    let end = options.skip.saturating_add(options.top).min(total);
    let start = options.skip.min(total);
    let value: Vec<Value> = items.into_iter().skip(start).take(end - start).collect();
    let mut body = Map::new();
    body.insert("@odata.context".into(), json!(context));
    if options.count {
        body.insert("@odata.count".into(), json!(total));
    }
    if end < total {
        // Keep the caller's other options exactly as sent; replace only the skip token.
        let mut kept: Vec<&str> = params
            .raw
            .as_deref()
            .unwrap_or_default()
            .split('&')
            .filter(|p| !p.is_empty())
            .filter(|p| {
                let key = p.split('=').next().unwrap_or_default();
                let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
                !key.trim_start_matches('$')
                    .eq_ignore_ascii_case("skiptoken")
            })
            .collect();
        let token = format!("$skiptoken={}", encode_skiptoken(end));
        kept.push(&token);
        body.insert(
            "@odata.nextLink".into(),
            json!(format!("{next_link_base}?{}", kept.join("&"))),
        );
    }
    body.insert("value".into(), Value::Array(value));
    Value::Object(body)
}

//! The leavers HR dated in Entra: enabled accounts whose
//! `employeeLeaveDateTime` has passed, for the leave-date scan
//! (`crate::scheduler::leave_scan`).
//!
//! `employeeLeaveDateTime` is filtered with `le` against a DateTimeOffset
//! literal (user resource: "Supports `$filter` (eq, ne, not, ge, le,
//! in)"), in an advanced query: `ConsistencyLevel: eventual` and
//! `$count=true`
//! (<https://learn.microsoft.com/en-us/graph/aad-advanced-queries>), on
//! every page, since each `@odata.nextLink` repeats the query. Reading the
//! property needs `User-LifeCycleInfo.Read.All` beside `User.Read.All`
//! (user resource, "to read this property, the calling app must be
//! assigned the User-LifeCycleInfo.Read.All permission").

use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;

/// Most users per page (Graph's `$top` for users goes to 999; 100 keeps a
/// page's reply small and each page inside one call's time).
pub const PAGE_SIZE: u32 = 100;

/// What the scan reads of each leaver.
pub const SELECT: &str = "id,userPrincipalName,accountEnabled,employeeLeaveDateTime";

/// The advanced-query header every page carries.
fn eventual(mut request: GraphRequest) -> GraphRequest {
    request
        .headers
        .push(("ConsistencyLevel".to_string(), "eventual".to_string()));
    request
}

/// The first page of enabled users whose leave date is at or before
/// `now_utc` (RFC 3339 UTC, `2026-01-03T17:00:00Z`, as
/// `crate::dates::iso_ms` writes it; an unquoted DateTimeOffset literal in
/// the filter):
/// `GET /users?$filter=employeeLeaveDateTime le {now} and accountEnabled eq true&$select=...&$count=true&$top=100`
/// with `ConsistencyLevel: eventual`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0>.
/// Permission: `User-LifeCycleInfo.Read.All` with `User.Read.All`
/// (`employeeLeaveDateTime` is readable with nothing less).
pub fn list_passed_leavers(now_utc: &str) -> GraphRequest {
    // The literal is the code's own RFC 3339 rendering of a clock reading:
    // digits, '-', ':', 'T', 'Z' only, nothing to escape.
    let literal: String = now_utc
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '-' | ':' | 'T' | 'Z' | '.'))
        .collect();
    eventual(
        GraphRequest::get("/users")
            .query(&format!(
                "$filter=employeeLeaveDateTime%20le%20{literal}%20and%20accountEnabled%20eq%20true"
            ))
            .query(&format!("$select={SELECT}"))
            .query("$count=true")
            .query(&format!("$top={PAGE_SIZE}")),
    )
}

/// The page an `@odata.nextLink` of [`list_passed_leavers`] names, with
/// the advanced-query header again.
pub fn next_page(next_link: &str) -> GraphRequest {
    eventual(GraphRequest::get(next_link))
}

/// Entry of [`list_passed_leavers`] (and its pages) in [`super::CALLS`].
pub const LIST_PASSED_LEAVERS: GraphCall = GraphCall {
    name: "leave_dates::list_passed_leavers",
    method: Method::Get,
    path_template: "/users",
    least_permission: "User-LifeCycleInfo.Read.All",
    also_needs: &["User.Read.All"],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-list?view=graph-rest-1.0",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_advanced_and_filters_on_the_instant() {
        let r = list_passed_leavers("2026-01-03T17:00:00Z");
        assert!(r.path.starts_with(
            "/users?$filter=employeeLeaveDateTime%20le%202026-01-03T17:00:00Z%20and%20accountEnabled%20eq%20true"
        ));
        assert!(r.path.contains("$count=true"));
        assert!(r
            .headers
            .contains(&("ConsistencyLevel".into(), "eventual".into())));
        let hostile = list_passed_leavers("2026' or 1 eq 1");
        assert!(!hostile.path.contains('\''));
    }
}

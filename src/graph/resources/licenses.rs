//! Licences: the tenant's subscriptions (`subscribedSku`) and a user's
//! licence assignment (`assignLicense`). A user's current licences are read
//! with the user (`assignedLicenses`, `licenseAssignmentStates` in
//! [`super::users::get_user`]'s `$select`). Shapes follow the v1.0 CSDL:
//! `subscribedSku`, `licenseUnitsDetail`, `servicePlanInfo`,
//! `assignedLicense`, `licenseAssignmentState`.

use crate::graph::odata::user_path;
use crate::graph::resources::GraphCall;
use crate::graph::GraphRequest;
use crate::http::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The seat counts of a subscription (`licenseUnitsDetail`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseUnits {
    /// Units bought and usable.
    #[serde(default)]
    pub enabled: i64,
}

/// One service plan of a SKU (`servicePlanInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePlanInfo {
    /// The plan's id (GUID), as `disabledPlans` names it.
    pub service_plan_id: String,
    /// The plan's name, e.g. `TEAMS1`.
    #[serde(default)]
    pub service_plan_name: Option<String>,
}

/// A subscription of the tenant (`subscribedSku`), as far as the app reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribedSku {
    /// The SKU's id (GUID), as `assignLicense` names it.
    pub sku_id: String,
    /// The SKU's part number, e.g. `ENTERPRISEPACK` (Office 365 E3).
    #[serde(default)]
    pub sku_part_number: String,
    /// Seats bought; free seats are `prepaidUnits.enabled - consumedUnits`.
    #[serde(default)]
    pub prepaid_units: LicenseUnits,
    /// Seats assigned.
    #[serde(default)]
    pub consumed_units: i64,
    /// The SKU's service plans.
    #[serde(default)]
    pub service_plans: Vec<ServicePlanInfo>,
}

impl SubscribedSku {
    /// Seats left to assign (never negative).
    pub fn free_units(&self) -> i64 {
        (self.prepaid_units.enabled - self.consumed_units).max(0)
    }
}

/// A licence as assigned (`assignedLicense`): the SKU and the service
/// plans switched off in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssignedLicense {
    /// The SKU's id (GUID).
    pub sku_id: String,
    /// Ids (GUIDs) of service plans not enabled.
    #[serde(default)]
    pub disabled_plans: Vec<String>,
}

/// How a user holds a licence (`licenseAssignmentState`): directly
/// (`assignedByGroup` null) or through a group, and whether it works.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LicenseAssignmentState {
    /// The SKU's id (GUID).
    pub sku_id: String,
    /// The group the licence is inherited from; `None` when direct.
    #[serde(default)]
    pub assigned_by_group: Option<String>,
    /// Ids (GUIDs) of service plans not enabled in this assignment.
    #[serde(default)]
    pub disabled_plans: Vec<String>,
    /// `Active`, `ActiveWithError`, `Disabled` or `Error`.
    #[serde(default)]
    pub state: Option<String>,
    /// `None`, `CountViolation`, `MutuallyExclusiveViolation`,
    /// `DependencyViolation`, `ProhibitedInUsageLocationViolation`,
    /// `UniquenessViolation` or `Other`.
    #[serde(default)]
    pub error: Option<String>,
}

impl LicenseAssignmentState {
    /// The error Graph reports, if any (`None` and absent are no error).
    pub fn error(&self) -> Option<&str> {
        self.error
            .as_deref()
            .filter(|e| !e.is_empty() && !e.eq_ignore_ascii_case("None"))
    }
}

/// The tenant's subscriptions with seat counts and service plans:
/// `GET /subscribedSkus`.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/subscribedsku-list?view=graph-rest-1.0>.
/// Permission: `Organization.Read.All`, which the page and the map list
/// beside the map's least, `LicenseAssignment.Read.All`: onboarding needs
/// `Organization.Read.All` already (verified domains), so declaring it here
/// keeps the least set one permission shorter.
pub fn list_subscribed_skus() -> GraphRequest {
    GraphRequest::get("/subscribedSkus")
}

/// Entry of [`list_subscribed_skus`] in [`super::CALLS`].
pub const LIST_SUBSCRIBED_SKUS: GraphCall = GraphCall {
    name: "licenses::list_subscribed_skus",
    method: Method::Get,
    path_template: "/subscribedSkus",
    least_permission: "Organization.Read.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/subscribedsku-list?view=graph-rest-1.0",
};

/// Adds and removes licences of one user in one call:
/// `POST /users/{key}/assignLicense` with `addLicenses` and
/// `removeLicenses` (both required by Graph, either may be empty; 200 with
/// the user). Refused with 400 for a user without `usageLocation`, a SKU
/// with no free seat, or a licence inherited from a group. Repeatable:
/// assigning the same licences again leaves the same state.
///
/// Learn: <https://learn.microsoft.com/en-us/graph/api/user-assignlicense?view=graph-rest-1.0>.
/// Permission: `LicenseAssignment.ReadWrite.All` (the map's least).
pub fn assign_license(key: &str, add: &[AssignedLicense], remove: &[String]) -> GraphRequest {
    GraphRequest::post(
        format!("{}/assignLicense", user_path(key)),
        Some(json!({"addLicenses": add, "removeLicenses": remove})),
    )
    .repeatable()
}

/// Entry of [`assign_license`] in [`super::CALLS`].
pub const ASSIGN_LICENSE: GraphCall = GraphCall {
    name: "licenses::assign_license",
    method: Method::Post,
    path_template: "/users/{id}/assignLicense",
    least_permission: "LicenseAssignment.ReadWrite.All",
    also_needs: &[],
    learn_url: "https://learn.microsoft.com/en-us/graph/api/user-assignlicense?view=graph-rest-1.0",
};

//! Fixtures for the policy, audit and delivery modules: the demo emulator
//! behind the shared [`InProcessTransport`], a `MemoryHost` with a fake
//! Jira, request contexts and seed identities.

use entra_connect::graph::{Deadline, GraphClient};
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::{Host, JiraRequest};
use entra_connect::http::HttpResponse;
use entra_connect::policy::{EntryPoint, RequestContext, Requester, RequesterKind};
use entra_emulator::Emulator;
use serde_json::{json, Value};

use super::transport::InProcessTransport;

pub struct Env {
    pub emu: Emulator,
    pub transport: InProcessTransport,
    pub host: MemoryHost,
}

impl Env {
    pub fn new(host: MemoryHost) -> Self {
        let emu = Emulator::demo();
        Env {
            transport: InProcessTransport(emu.clone()),
            emu,
            host,
        }
    }

    pub fn client(&self) -> GraphClient<'_, InProcessTransport, MemoryHost> {
        self.transport.client(&self.host)
    }

    pub fn deadline(&self) -> Deadline {
        Deadline::after(self.host.now_ms(), 25_000)
    }
}

pub fn ok_json(body: Value) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: Vec::new(),
        body: body.to_string(),
    }
}

/// A fake Jira: the given agent account is in `jira-servicemanagement-users`;
/// approvals of issue `ITSM-1` are `decisions`; comments are accepted.
pub fn fake_jira(
    agent: &'static str,
    decisions: Vec<&'static str>,
) -> impl Fn(&JiraRequest) -> HttpResponse {
    move |r: &JiraRequest| {
        if r.path.starts_with("/rest/api/3/user/groups") {
            let groups = if r.path.ends_with(&format!("accountId={agent}")) {
                json!([{"name": "jira-servicemanagement-users", "groupId": "g-agents"}])
            } else {
                json!([{"name": "jira-users", "groupId": "g-users"}])
            };
            return ok_json(groups);
        }
        if r.path
            .starts_with("/rest/servicedeskapi/request/ITSM-1/approval")
        {
            let values: Vec<Value> = decisions
                .iter()
                .map(|d| json!({"id": "1", "finalDecision": d}))
                .collect();
            return ok_json(json!({"size": values.len(), "isLastPage": true, "values": values}));
        }
        if r.path.ends_with("/comment") {
            return HttpResponse {
                status: 201,
                headers: Vec::new(),
                body: json!({"id": "10001"}).to_string(),
            };
        }
        HttpResponse {
            status: 404,
            headers: Vec::new(),
            body: String::new(),
        }
    }
}

pub fn requester(kind: RequesterKind, account_id: &str, email: Option<&str>) -> Requester {
    Requester {
        account_id: account_id.into(),
        display_name: format!("Jira user {account_id}"),
        email: email.map(str::to_string),
        kind,
    }
}

pub fn context(kind: RequesterKind, account_id: &str, email: Option<&str>) -> RequestContext {
    let entry = match kind {
        RequesterKind::PortalCustomer => EntryPoint::Portal,
        RequesterKind::ServiceApi => EntryPoint::ServiceApi,
        RequesterKind::Automation => EntryPoint::Automation,
        RequesterKind::Agent => EntryPoint::Panel,
        RequesterKind::Admin => EntryPoint::AdminPage,
    };
    RequestContext::new(requester(kind, account_id, email), entry).on_issue("ITSM-1")
}

/// Seed identities (emulator/seed/demo-tenant.json).
pub mod seed {
    pub const GLOBAL_ADMIN: &str = "isaiah.langer@contoso.example";
    pub const HELPDESK_ADMIN: &str = "lynne.robbins@contoso.example";
    pub const USER_ADMIN: &str = "nestor.wilke@contoso.example";
    /// Member of the role-assignable "Privileged Support Staff" group.
    pub const ROLE_GROUP_MEMBER: &str = "priya.nair@contoso.example";
    /// Plain users; adele's manager is alex, alex's manager is megan.
    pub const ADELE: &str = "adele.vance@contoso.example";
    pub const ADELE_ID: &str = "7bbae7fa-8c4a-4c31-a223-6cdb301c14bb";
    pub const ALEX: &str = "alex.wilber@contoso.example";
    pub const ALEX_ID: &str = "672c6525-3604-464b-bf21-dc03f837fc1e";
    pub const MEGAN: &str = "megan.bowen@contoso.example";
    pub const DIEGO: &str = "diego.siciliani@contoso.example";
    pub const SALES_TEAM: &str = "0c288728-6125-4718-9bca-70d96f316501";
    pub const ENGINEERING: &str = "c89deaae-0c7c-4ab9-830c-d164b8f8b182";
    pub const HR: &str = "e6f2c9d5-a5b7-441f-bcb5-d6fc836689f9";
    pub const DYNAMIC: &str = "f8dd57ce-0b5a-45af-b1ac-ef7bf1887f47";
    pub const MAIL_SECURITY: &str = "87c5ef23-ec7b-4431-b14c-aa381eb3aa90";
    pub const DISTRIBUTION: &str = "3b45c978-2e32-4ac7-9fb9-5d95e1e40fc4";
    pub const SYNCED: &str = "c3873dd2-9bc5-4761-b593-b60cbbc3ff70";
    pub const ROLE_ASSIGNABLE: &str = "e9d3dd26-6b80-4382-960e-0305d0fb7771";
}

pub fn id(value: &str) -> entra_connect::lifecycle::ObjectId {
    entra_connect::lifecycle::ObjectId::parse(value, "id").expect("valid id")
}

pub fn upn(value: &str) -> entra_connect::lifecycle::UserRef {
    entra_connect::lifecycle::UserRef::Upn(value.into())
}

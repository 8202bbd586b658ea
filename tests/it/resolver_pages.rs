//! Resolvers of the app's pages (issue panel, admin tabs) against the
//! emulator: what they show, that changes go through the operation
//! pipeline (dry run first, exactly once), and who may call them.

use crate::support::{configured_host, run, InProcessTransport};
use entra_connect::config;
use entra_connect::host::memory::MemoryHost;
use entra_connect::host::{JiraAs, JiraRequest};
use entra_connect::http::HttpResponse;
use entra_connect::resolver::{handle, ResolverContext};
use entra_emulator::Emulator;
use serde_json::{json, Value};

const ADAPTERS_ISSUE: &str = "ITSM-42";
const AGENT_GROUP: &str = "jira-servicedesk-agents";

#[derive(Clone, Copy)]
struct Caller {
    admin: bool,
    can_edit: bool,
}

/// A Jira that knows one issue reported by `reporter_email`, and answers
/// permission checks for the caller.
fn jira(caller: Caller, reporter_email: &'static str) -> impl Fn(&JiraRequest) -> HttpResponse {
    move |request| {
        let body = if request.path.starts_with("/rest/api/3/user/groups") {
            // Every caller here is in the agents' Jira group (the policy's
            // agent rule is tested with the policy); issue permissions differ.
            let groups = json!([{"name": AGENT_GROUP}]);
            return HttpResponse {
                status: 200,
                headers: vec![],
                body: groups.to_string(),
            };
        } else if request.path.starts_with("/rest/api/3/mypermissions") {
            assert_eq!(
                request.as_who,
                JiraAs::User,
                "permissions are asked as the caller"
            );
            json!({"permissions": {
                "ADMINISTER": {"havePermission": caller.admin},
                "EDIT_ISSUES": {"havePermission": caller.can_edit},
            }})
        } else if request
            .path
            .starts_with(&format!("/rest/api/3/issue/{ADAPTERS_ISSUE}"))
        {
            json!({"key": ADAPTERS_ISSUE, "fields": {"reporter": {"accountId": "r1", "displayName": "Reporter", "emailAddress": reporter_email}}})
        } else {
            return HttpResponse {
                status: 404,
                headers: vec![],
                body: "{}".into(),
            };
        };
        HttpResponse {
            status: 200,
            headers: vec![],
            body: body.to_string(),
        }
    }
}

const AGENT: Caller = Caller {
    admin: false,
    can_edit: true,
};
const ADMIN: Caller = Caller {
    admin: true,
    can_edit: false,
};
const VIEWER: Caller = Caller {
    admin: false,
    can_edit: false,
};

struct Page {
    emu: Emulator,
    host: MemoryHost,
    transport: InProcessTransport,
}

impl Page {
    async fn new(caller: Caller, reporter_email: &'static str) -> Self {
        let emu = Emulator::demo();
        let (host, _) = configured_host(&emu).await;
        let mut app = config::load(&host).await.unwrap();
        app.policy.agent_jira_groups = vec![AGENT_GROUP.to_string()];
        config::save(&host, &app).await.unwrap();
        let host = host.with_jira(jira(caller, reporter_email));
        Page {
            transport: InProcessTransport(emu.clone()),
            emu,
            host,
        }
    }

    async fn call(&self, function: &str, payload: Value, on_issue: bool) -> Value {
        let context = ResolverContext {
            account_id: Some("caller-1".into()),
            extension: if on_issue {
                json!({"issue": {"key": ADAPTERS_ISSUE}})
            } else {
                Value::Null
            },
            ..ResolverContext::default()
        };
        handle(function, &payload, &context, &self.host, &self.transport).await
    }

    fn graph_requests(&self) -> usize {
        self.emu
            .request_log()
            .iter()
            .filter(|l| l.kind == entra_emulator::RequestKind::Graph)
            .count()
    }

    /// Graph round trips Graph answered (a first request may meet a 401
    /// while the token is fetched).
    fn round_trips(&self) -> usize {
        self.emu
            .request_log()
            .iter()
            .filter(|l| l.kind == entra_emulator::RequestKind::Graph && l.status != 401)
            .count()
    }

    fn enabled(&self, upn: &str) -> bool {
        self.emu.user(upn).unwrap()["accountEnabled"] == json!(true)
    }
}

#[test]
fn panel_shows_the_reporters_account_and_serves_a_reopen_from_cache() {
    run(async {
        let page = Page::new(AGENT, "adele.vance@contoso.example").await;
        let first = page.call("panel.load", json!({}), true).await;
        assert_eq!(first["ok"], true, "{first}");
        // The reporter (by the address read as a UPN, and looked up by
        // UPN, mail and alias), the manager, the groups and the serviceable
        // groups' kinds the tenant facts cache lacks: one $batch.
        assert_eq!(page.round_trips(), 1, "first load round trips");
        let view = &first["value"];
        assert!(
            view["serviceableGroups"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["displayName"] == "All Staff"),
            "{view}"
        );
        assert_eq!(
            view["account"]["user"]["userPrincipalName"],
            "adele.vance@contoso.example"
        );
        assert_eq!(
            view["account"]["user"]["manager"]["displayName"],
            "Alex Wilber"
        );
        assert!(view["account"]["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["displayName"] == "All Staff"));
        assert_eq!(view["canAct"], true);
        assert!(view["actions"]
            .as_array()
            .unwrap()
            .contains(&json!("disable")));

        let before = page.graph_requests();
        let again = page.call("panel.load", json!({}), true).await;
        assert_eq!(again["value"]["account"], view["account"]);
        assert_eq!(
            page.graph_requests(),
            before,
            "a reopen within a minute asks Entra nothing"
        );

        page.host.advance(61_000);
        page.call("panel.load", json!({}), true).await;
        assert!(
            page.graph_requests() > before,
            "after a minute the view is read again"
        );
    });
}

#[test]
fn panel_says_when_no_account_matches_the_reporter() {
    run(async {
        let page = Page::new(AGENT, "nobody.here@contoso.example").await;
        let answer = page.call("panel.load", json!({}), true).await;
        assert_eq!(answer["ok"], true, "{answer}");
        assert_eq!(answer["value"]["account"], Value::Null);
        assert!(answer["value"]["notFound"]
            .as_str()
            .unwrap()
            .contains("nobody.here@contoso.example"));
    });
}

/// A reporter Jira knows by an alias or a guest's partner address: one
/// lookup over userPrincipalName, mail and proxy addresses finds them.
#[test]
fn panel_finds_a_reporter_by_alias_or_guest_mail() {
    run(async {
        for (email, upn) in [
            ("jlee@contoso.example", "e1051@contoso.example"),
            (
                "avery.kim@northwind.example",
                "avery.kim_northwind.example#EXT#@contosodemo.onmicrosoft.com",
            ),
        ] {
            let page = Page::new(AGENT, email).await;
            let answer = page.call("panel.load", json!({}), true).await;
            assert_eq!(answer["ok"], true, "{answer}");
            let user = &answer["value"]["account"]["user"];
            assert_eq!(user["userPrincipalName"], upn, "{email}: {answer}");
            // Not the UPN: the groups by path miss, and are read by id.
            assert_eq!(page.round_trips(), 2, "{email}");
            assert!(
                !answer["value"]["account"]["groups"]
                    .as_array()
                    .unwrap()
                    .is_empty()
                    || email.ends_with("northwind.example"),
                "{answer}"
            );
        }
    });
}

#[test]
fn panel_needs_an_issue_from_forge() {
    run(async {
        let page = Page::new(AGENT, "adele.vance@contoso.example").await;
        let answer = page.call("panel.load", json!({}), false).await;
        assert_eq!(answer["error"]["code"], "forbidden");
    });
}

#[test]
fn a_quick_action_shows_its_plan_then_runs_exactly_once() {
    run(async {
        let page = Page::new(AGENT, "lee.gu@contoso.example").await;
        let plan = page
            .call(
                "panel.action",
                json!({"action": "disable", "dryRun": true}),
                true,
            )
            .await;
        assert_eq!(plan["ok"], true, "{plan}");
        assert_eq!(plan["value"]["dryRun"], true);
        assert!(!plan["value"]["plan"].as_array().unwrap().is_empty());
        assert!(
            page.enabled("lee.gu@contoso.example"),
            "a dry run changes nothing"
        );

        let done = page
            .call(
                "panel.action",
                json!({"action": "disable", "dryRun": false}),
                true,
            )
            .await;
        assert_eq!(done["ok"], true, "{done}");
        assert!(!page.enabled("lee.gu@contoso.example"));

        // Enabled again, then the same disable confirmation arrives again:
        // it replays the first answer instead of disabling a second time.
        let enabled = page
            .call("panel.action", json!({"action": "enable"}), true)
            .await;
        assert_eq!(enabled["ok"], true, "{enabled}");
        let replay = page
            .call(
                "panel.action",
                json!({"action": "disable", "dryRun": false}),
                true,
            )
            .await;
        assert_eq!(replay["value"]["replay"], true, "{replay}");
        assert!(page.enabled("lee.gu@contoso.example"));
    });
}

#[test]
fn only_agents_who_can_edit_the_issue_may_act() {
    run(async {
        let page = Page::new(VIEWER, "lee.gu@contoso.example").await;
        let view = page.call("panel.load", json!({}), true).await;
        assert_eq!(view["value"]["canAct"], false);
        assert_eq!(view["value"]["actions"], json!([]));
        let before = page.graph_requests();
        let refused = page
            .call("panel.action", json!({"action": "disable"}), true)
            .await;
        assert_eq!(refused["error"]["code"], "forbidden");
        assert_eq!(page.graph_requests(), before, "nothing reached Entra");
        assert!(page.enabled("lee.gu@contoso.example"));
    });
}

#[test]
fn quick_action_input_errors_name_the_field() {
    run(async {
        let page = Page::new(AGENT, "lee.gu@contoso.example").await;
        let bad = page
            .call("panel.action", json!({"action": "explode"}), true)
            .await;
        assert_eq!(bad["error"]["field"], "action");
        let bad = page
            .call(
                "panel.action",
                json!({"action": "addGroup", "group": "Sales"}),
                true,
            )
            .await;
        assert_eq!(bad["error"]["field"], "group");
        let bad = page
            .call(
                "panel.action",
                json!({"action": "disable", "dryRun": "yes"}),
                true,
            )
            .await;
        assert_eq!(bad["error"]["field"], "dryRun");
    });
}

#[test]
fn admin_functions_refuse_everyone_else() {
    run(async {
        let page = Page::new(AGENT, "lee.gu@contoso.example").await;
        for (function, payload) in [
            ("doctor.check", json!({})),
            ("groups.search", json!({"query": "Sales"})),
            ("groups.describe", json!({"ids": []})),
            ("users.search", json!({"query": "Lee"})),
            ("users.get", json!({"user": "lee.gu@contoso.example"})),
            (
                "users.action",
                json!({"user": "00000000-0000-0000-0000-000000000001", "action": "disable"}),
            ),
            ("preview.naming", json!({"template": "{given}@{domain}"})),
            ("preview.rules", json!({"rules": []})),
        ] {
            let answer = page.call(function, payload, false).await;
            assert_eq!(answer["error"]["code"], "forbidden", "{function}: {answer}");
        }
        assert_eq!(page.graph_requests(), 0);
        assert!(page.enabled("lee.gu@contoso.example"));
    });
}

#[test]
fn doctor_compares_what_the_features_need_with_the_token() {
    run(async {
        let page = Page::new(ADMIN, "lee.gu@contoso.example").await;
        let answer = page.call("doctor.check", json!({}), false).await;
        assert_eq!(answer["ok"], true, "{answer}");
        let report = &answer["value"];
        let list = |key: &str| {
            report[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["permission"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        // The demo grant has everything the features need, and three
        // permissions whose every use another granted one already covers.
        assert_eq!(list("missing"), Vec::<String>::new(), "{report}");
        assert_eq!(
            list("excessive"),
            vec![
                "User-PasswordProfile.ReadWrite.All",
                "User.RevokeSessions.All",
                "Group.Read.All"
            ],
            "{report}"
        );
        assert!(report["excessive"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("User.ReadWrite.All"));
        assert!(report["grantList"]
            .as_str()
            .unwrap()
            .contains("User-LifeCycleInfo.ReadWrite.All"));
        // The tenant's Temporary Access Pass policy, read with its permission.
        assert_eq!(
            report["temporaryAccessPassPolicy"]["policy"]["maximumLifetimeInMinutes"], 480,
            "{report}"
        );
        assert_eq!(report["directoryRole"]["checked"], true);
        assert_eq!(
            report["directoryRole"]["passwordResetRoles"],
            json!(["User Administrator"])
        );
    });
}

#[test]
fn group_search_says_why_a_group_cannot_be_serviceable() {
    run(async {
        let page = Page::new(ADMIN, "lee.gu@contoso.example").await;
        let answer = page
            .call("groups.search", json!({"query": "Dynamic"}), false)
            .await;
        let groups = answer["value"]["groups"].as_array().unwrap();
        assert_eq!(groups.len(), 1, "{answer}");
        assert!(groups[0]["problems"][0]
            .as_str()
            .unwrap()
            .contains("dynamic membership rule"));
        let answer = page
            .call("groups.search", json!({"query": "Engineering"}), false)
            .await;
        assert_eq!(answer["value"]["groups"][0]["problems"], json!([]));
        let hostile = page
            .call("groups.search", json!({"query": "x' or 1 eq 1"}), false)
            .await;
        assert_eq!(hostile["value"]["groups"], json!([]), "{hostile}");
        let empty = page
            .call("groups.search", json!({"query": "  "}), false)
            .await;
        assert_eq!(empty["error"]["field"], "query");
    });
}

#[test]
fn admin_user_actions_go_through_the_pipeline() {
    run(async {
        let page = Page::new(ADMIN, "lee.gu@contoso.example").await;
        let found = page
            .call("users.search", json!({"query": "Lee"}), false)
            .await;
        let id = found["value"]["users"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let summary = page.call("users.get", json!({"user": id}), false).await;
        assert_eq!(
            summary["value"]["user"]["userPrincipalName"],
            "lee.gu@contoso.example"
        );
        let no_attempt = page
            .call(
                "users.action",
                json!({"user": id, "action": "disable"}),
                false,
            )
            .await;
        assert_eq!(no_attempt["error"]["field"], "attempt");
        let attempt = "0b7e3c2a-9a51-4d0e-8f3e-2f5c1b9d7a44";
        let done = page
            .call(
                "users.action",
                json!({"user": id, "action": "disable", "attempt": attempt}),
                false,
            )
            .await;
        assert_eq!(done["ok"], true, "{done}");
        assert!(!page.enabled("lee.gu@contoso.example"));
    });
}

#[test]
fn previews_show_names_and_rule_groups() {
    run(async {
        let page = Page::new(ADMIN, "lee.gu@contoso.example").await;
        let naming = page.call("preview.naming", json!({"template": "{given}.{surname}@{domain}", "domain": "contoso.example", "sample": {"givenName": "Adele", "surname": "Vance"}}), false).await;
        assert_eq!(
            naming["value"]["userPrincipalName"], "adele.vance@contoso.example",
            "{naming}"
        );
        let bad = page
            .call(
                "preview.naming",
                json!({"template": "{nope}@x.example"}),
                false,
            )
            .await;
        assert_eq!(bad["error"]["code"], "invalid_input");
        let group = "c89deaae-0c7c-4ab9-830c-d164b8f8b182";
        let rules = json!([{"name": "Engineers", "when": [{"attribute": "department", "equals": "Engineering"}], "groups": [group]}]);
        let hit = page
            .call(
                "preview.rules",
                json!({"rules": rules, "sample": {"department": "Engineering"}}),
                false,
            )
            .await;
        assert_eq!(hit["value"]["groups"], json!([group]), "{hit}");
        let miss = page
            .call(
                "preview.rules",
                json!({"rules": rules, "sample": {"department": "Sales"}}),
                false,
            )
            .await;
        assert_eq!(miss["value"]["groups"], json!([]));
    });
}

#[test]
fn panel_shows_the_operation_the_request_waits_to_run_without_asking_entra() {
    use entra_connect::policy::{Requester, RequesterKind};
    use entra_connect::route::Route;

    use entra_connect::portal::pending::{self, PendingOperation};
    run(async {
        let page = Page::new(AGENT, "adele.vance@contoso.example").await;
        let idle = page.call("panel.load", json!({}), true).await;
        assert_eq!(idle["value"]["pending"], Value::Null, "{idle}");
        let data = json!({"user": "adele.vance@contoso.example"});
        pending::save(
            &page.host,
            &PendingOperation {
                issue_key: ADAPTERS_ISSUE.into(),
                route: Route::UserResetPassword,
                data: data.as_object().unwrap().clone(),
                requester: Requester {
                    account_id: "manager-1".into(),
                    display_name: "Alex Wilber".into(),
                    email: None,
                    kind: RequesterKind::PortalCustomer,
                },
                created_at_ms: 1,
                not_before_ms: None,
                input: None,
            },
        )
        .await
        .unwrap();
        let before = page.graph_requests();
        // The cached view is reused, and the waiting operation still shows.
        let waiting = page.call("panel.load", json!({}), true).await;
        let shown = &waiting["value"]["pending"];
        assert_eq!(shown["route"], "user.resetPassword", "{waiting}");
        assert_eq!(shown["inputs"], data);
        assert_eq!(shown["requester"], "Alex Wilber");
        assert_eq!(page.graph_requests(), before, "no dry run, no Graph call");
    });
}

//! Generated passwords and Temporary Access Passes reach the caller only
//! through `IssuedCredential`: never in plans, outcomes, Debug output, host
//! logs or anything the emulator logged.

use crate::support::*;
use entra_connect::graph::model::UserAttributes;
use entra_connect::lifecycle::provisioning::{FirstCredential, ProvisioningRules};
use entra_connect::lifecycle::*;
use serde_json::json;

const ADELE: &str = "adele.vance@contoso.example";

fn hire(given: &str, employee_id: &str, credential: FirstCredential) -> NewHire {
    NewHire {
        given_name: given.into(),
        surname: "Secret".into(),
        display_name: None,
        attributes: UserAttributes {
            department: Some("Sales".into()),
            employee_id: Some(employee_id.into()),
            ..Default::default()
        },
        manager: None,
        groups: vec![],
        credential,
    }
}

#[tokio::test(flavor = "current_thread")]
async fn issued_secrets_appear_only_in_the_issued_credential() {
    let h = Harness::new();
    let c = h.client();
    let config = ProvisioningRules {
        licences: Default::default(),
        naming: NamingTemplate::parse("{given}.{surname}@contoso.example", None).unwrap(),
        rules: GroupRules::from_json(&json!([])).unwrap(),
    };
    let with_password = create(
        &c,
        &config,
        &hire("Pat", "E9301", FirstCredential::TemporaryPassword),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    let with_tap = create(
        &c,
        &config,
        &hire(
            "Tad",
            "E9302",
            FirstCredential::TemporaryAccessPass {
                lifetime_minutes: 60,
                usable_once: true,
            },
        ),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();
    let adele = UserRef::Upn(ADELE.into());
    let reset = reset_password(&c, &adele, RunMode::Execute, h.deadline())
        .await
        .unwrap();
    let tap = create_temporary_access_pass(
        &c,
        &adele,
        TapOptions::new(60, true).unwrap(),
        RunMode::Execute,
        h.deadline(),
    )
    .await
    .unwrap();

    let secrets: Vec<String> = [
        &with_password.credential,
        &with_tap.credential,
        &reset.credential,
        &tap.credential,
    ]
    .iter()
    .map(|c| {
        c.as_ref()
            .expect("a credential")
            .secret
            .expose()
            .to_string()
    })
    .collect();
    assert!(
        secrets.iter().all(|s| s.len() >= 8),
        "real secrets were issued"
    );
    // The password did reach Entra: it is the account's password now.
    assert!(h.emu.user_has_password(ADELE, &secrets[2]));

    let outcomes = [
        &with_password.outcome,
        &with_tap.outcome,
        &reset.outcome,
        &tap.outcome,
    ];
    let mut rendered = String::new();
    for o in outcomes {
        rendered += &serde_json::to_string(o).unwrap();
        rendered += &o.render_text();
        rendered += &o.plan.render_text();
        rendered += &format!("{o:?}");
    }
    rendered += &format!("{with_password:?}{with_tap:?}{reset:?}{tap:?}");
    rendered += &format!("{:?}", c.settings());
    rendered += &h.host.log_text();
    rendered += &format!("{:?}", h.host.inner.kvs_snapshot());
    let emulator_log = h.log_dump();
    for secret in secrets.iter().chain([&h.client_secret()]) {
        assert!(
            !rendered.contains(secret.as_str()),
            "leaked into outcomes or logs"
        );
        assert!(
            !emulator_log.contains(secret.as_str()),
            "sent somewhere it was logged"
        );
    }
    // The redaction marker is there, so the test looked at the right bodies.
    assert!(emulator_log.contains("[REDACTED]"));
}

//! The fuzz targets' invariants (`fuzz/src/checks.rs`, included by path) as
//! bounded property tests: a fixed number of cases per property, so
//! `cargo test` runs them on every change; `cargo +nightly fuzz run` runs
//! the same checks for as long as one likes (BENCHMARKS.md, "Fuzzing").
//! The strategies mix arbitrary text with the pieces that break parsers:
//! quotes, `%`, `$`, `#EXT#`, `@`, NUL and control characters, zero-width
//! and bidi characters, homoglyphs, placeholders, date fragments and the
//! field names the routes declare.

#[path = "../../fuzz/src/checks.rs"]
#[allow(dead_code)]
mod checks;

use entra_connect::route::{inputs, Route};
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};

/// Cases per property: the whole file stays within a few seconds.
const CASES: u32 = 256;

fn config() -> Config {
    Config {
        cases: CASES,
        failure_persistence: None,
        ..Config::default()
    }
}

const PIECES: &[&str] = &[
    "'",
    "''",
    "\"",
    "%",
    "%2",
    "%zz",
    "$",
    "$filter",
    "#",
    "#EXT#",
    "@",
    "@@",
    "&",
    "+",
    "/",
    "\\",
    "?",
    " ",
    "\t",
    "\n",
    "\r",
    "\0",
    "\u{7f}",
    "\u{85}",
    "\u{200b}",
    "\u{200d}",
    "\u{202e}",
    "\u{2066}",
    "\u{feff}",
    "\u{fffd}",
    "а",
    "ο",
    "Ł",
    "ß",
    "İ",
    "日本",
    "😀",
    "{",
    "}",
    "{given}",
    "{surname}",
    "{initial}",
    "{employeeId}",
    "{domain}",
    ".",
    "-",
    "_",
    "..",
    "ada",
    "O'Neil",
    "contoso.com",
    "ada@contoso.com",
    "6f9619ff-8b86-d011-b42d-00c04fc964ff",
    "2026-12-31",
    "T17:00:00",
    ":00",
    ".123456789",
    "Z",
    "+0100",
    "+01:00",
    "-1200",
    "+1401",
    "9999",
    "0000",
    "v1=",
    "00",
    "ff",
    "1767225600",
    "__proto__",
    "constructor",
    "null",
    "true",
    "[]",
    "{}",
];

/// Text built from the pieces above and arbitrary characters.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(PIECES).prop_map(str::to_string),
                1 => any::<char>().prop_map(String::from),
            ],
            0..8
        )
        .prop_map(|v| v.concat()),
        1 => any::<String>(),
    ]
}

/// Field names: every input any route declares, the ways to name a user,
/// prototype keys and arbitrary text.
fn key() -> impl Strategy<Value = String> {
    let mut names: Vec<String> = inputs::routes()
        .into_iter()
        .flat_map(|(route, _, _)| inputs::names(route))
        .map(str::to_string)
        .collect();
    names.extend(
        [
            "id",
            "userPrincipalName",
            "mail",
            "employeeId",
            "__proto__",
            "constructor",
            "prototype",
            "name",
            "when",
            "attribute",
            "equals",
            "groups",
            "skus",
            "disabledPlans",
        ]
        .map(str::to_string),
    );
    names.sort();
    names.dedup();
    prop_oneof![4 => prop::sample::select(names), 1 => text()]
}

/// Any JSON value, nested a few levels, with hostile text and keys.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A rule list shaped like the admin's, with hostile values in its places.
fn rules_value(list: &'static str) -> impl Strategy<Value = Value> {
    let condition = (
        prop_oneof![
            prop::sample::select(vec![
                "department",
                "jobTitle",
                "companyName",
                "employeeType"
            ])
            .prop_map(str::to_string),
            text()
        ],
        text(),
    )
        .prop_map(|(attribute, equals)| json!({"attribute": attribute, "equals": equals}));
    let item = prop_oneof![
        prop_oneof![
            Just("6f9619ff-8b86-d011-b42d-00c04fc964ff".to_string()),
            Just("ENTERPRISEPACK".to_string()),
            text()
        ],
        Just("x".repeat(300)),
    ];
    let rule = (
        text(),
        prop::collection::vec(condition, 0..3),
        prop::collection::vec(item, 0..3),
        prop::option::of(json_value()),
    )
        .prop_map(move |(name, when, items, extra)| {
            let mut rule = json!({"name": name, "when": when, list: items});
            if let Some(extra) = extra {
                rule["extra"] = extra;
            }
            rule
        });
    prop_oneof![
        4 => prop::collection::vec(rule, 0..4).prop_map(Value::Array),
        1 => json_value(),
    ]
}

/// Date-like text: ISO 8601 pieces in any order, and arbitrary text.
fn date_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}([.,][0-9]{1,12})?)?)?([Zz]|[+-][0-9]{2}:?[0-9]{2})?",
        2 => text(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn envelope_bodies(body in prop_oneof![
        json_value().prop_map(|v| v.to_string()),
        (prop::sample::select(Route::ALL.to_vec()), json_value(), json_value())
            .prop_map(|(route, data, other)| json!({"route": route.name(), "data": data, "dryRun": other}).to_string()),
        prop::collection::vec((key(), json_value()), 0..4).prop_map(|data| {
            json!({"route": "jobs.submit", "data": Value::Object(data.into_iter().collect())}).to_string()
        }),
        prop::collection::vec(json_value(), 0..4)
            .prop_map(|calls| json!({"route": "jobs.submit", "data": {"calls": calls}}).to_string()),
        text(),
    ]) {
        checks::envelope(&body);
    }

    #[test]
    fn route_inputs(route in any::<u8>(), zone in any::<u8>(), data in json_value()) {
        checks::route_input(route, zone, data);
    }

    #[test]
    fn route_inputs_by_declared_field(
        route in any::<u8>(),
        zone in any::<u8>(),
        fields in prop::collection::vec((key(), prop_oneof![text().prop_map(Value::String), date_text().prop_map(Value::String), json_value()]), 1..5),
    ) {
        checks::route_input(route, zone, Value::Object(fields.into_iter().collect()));
    }

    #[test]
    fn dates(raw in date_text(), zone in any::<u8>()) {
        checks::date(&raw, zone);
    }

    #[test]
    fn group_rules(rules in rules_value("groups"), subject in prop::array::uniform4(prop::option::of(text()))) {
        let [a, b, c, d] = &subject;
        checks::group_rules(&rules, [a.as_deref(), b.as_deref(), c.as_deref(), d.as_deref()]);
    }

    #[test]
    fn licence_rules(rules in rules_value("skus")) {
        checks::licence_rules(&rules);
    }

    #[test]
    fn naming_templates(
        pattern in prop_oneof![
            3 => (text(), prop_oneof![Just("{domain}".to_string()), Just("contoso.com".to_string()), text()])
                .prop_map(|(local, domain)| format!("{local}@{domain}")),
            1 => text(),
        ],
        domain in prop::option::of(prop_oneof![Just("contoso.com".to_string()), text()]),
        given in text(),
        surname in text(),
        employee_id in prop::option::of(text()),
    ) {
        checks::naming_template(&pattern, domain.as_deref(), &given, &surname, employee_id.as_deref());
    }

    #[test]
    fn odata(value in text()) {
        checks::odata(&value);
    }

    #[test]
    fn hmac_headers(
        timestamp in prop_oneof![Just("1767225600".to_string()), "[0-9]{1,12}", text()],
        signature in prop_oneof![Just("v1=".to_string()), "v1=[0-9a-fA-F]{64}", text()],
        body in text(),
        skew in -1000i32..1000,
    ) {
        checks::hmac_headers(&timestamp, &signature, &body, skew);
    }
}

/// The hostile characters the Node corpus sends through the bundled app
/// (`tests/node/hostile-input.test.mjs`), here at the parser: each a 400
/// naming the field, for every text that reaches a Graph write.
#[test]
fn invisible_and_look_alike_characters_are_refused_with_their_field() {
    use entra_connect::pipeline::call::OperationCall;
    use entra_connect::pipeline::error::ApiError;
    use entra_connect::pipeline::parse::parse;
    let refused = |route: Route, data: Value, field: &str| {
        let call = OperationCall {
            route,
            data: data.as_object().unwrap().clone(),
            idempotency_key: None,
            issue_key: None,
            dry_run: false,
        };
        match parse(&call) {
            Err(ApiError::InvalidInput { field: Some(f), .. }) => assert_eq!(f, field, "{data}"),
            Err(other) => panic!("{data}: {other:?}"),
            Ok(_) => panic!("{data}: accepted"),
        }
    };
    for hidden in ["\u{200b}", "\u{202e}", "\u{2066}", "\u{feff}"] {
        let name = format!("Ad{hidden}ele");
        let address = format!("ad{hidden}ele@fabrikam.example");
        refused(
            Route::UserCreate,
            json!({"givenName": name, "surname": "Vance"}),
            "data.givenName",
        );
        refused(
            Route::UserCreate,
            json!({"givenName": "Adele", "surname": name}),
            "data.surname",
        );
        refused(
            Route::UserCreate,
            json!({"givenName": "Adele", "surname": "Vance", "displayName": name}),
            "data.displayName",
        );
        refused(Route::GuestInvite, json!({"email": address}), "data.email");
        refused(
            Route::GuestInvite,
            json!({"email": "sam@fabrikam.example", "displayName": name}),
            "data.displayName",
        );
        refused(Route::UserGet, json!({"user": address}), "data.user");
        refused(
            Route::GroupAddMember,
            json!({"user": "adele@contoso.example", "group": format!("All{hidden} Staff")}),
            "data.group",
        );
        refused(
            Route::UserUpdate,
            json!({"user": "adele@contoso.example", "changes": {"department": name}}),
            "data.changes.department",
        );
    }
    refused(
        Route::UserGet,
        json!({"user": {"userPrincipalName": "\u{0430}dele@contoso.example"}}),
        "data.user.userPrincipalName",
    );
}

/// Found by the `envelope` fuzz target: a key inside `data.user` was echoed
/// raw into the message (control characters included).
#[test]
fn keys_inside_a_user_object_are_echoed_printable() {
    for body in [
        r#"{"route":"user.get","data":{"user":{"\u007f\nemployeeId":"E1"}}}"#,
        r#"{"route":"user.get","data":{"user":{"a\u001bb":5}}}"#,
    ] {
        checks::envelope(body);
    }
}

/// Found by the `route_input` fuzz target: an unknown key in
/// `data.changes` was echoed raw by the lifecycle's message.
#[test]
fn unknown_change_keys_are_echoed_printable() {
    checks::route_input(
        Route::ALL
            .iter()
            .position(|r| *r == Route::UserUpdate)
            .unwrap() as u8,
        0,
        json!({"user": "adele@contoso.example", "changes": {"\u{7f}jobVitle\n": "x"}}),
    );
}

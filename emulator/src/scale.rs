//! A large tenant for benchmarks: `users` users and `groups` groups built
//! in memory from a base seed (its organization, app, subscriptions and
//! faults are kept; its users, groups and role members are replaced).
//!
//! Deterministic (ids and choices follow from the index), so two runs
//! measure the same tenant. The shape is that of a company: a CEO, 12
//! departments each with a head and a management tree of fan-out 8 (so
//! managers are real and chains are 4 to 5 deep), job titles by department
//! and level, 3% guests (no department, no manager), 30% users synced from
//! on-premises AD, 2% disabled; groups: "All Staff" (every member user), one
//! group per department, "People Managers", "All Guests", two nesting groups
//! that contain department groups, then team groups of 5 to 40 users of one
//! department, a mix of security, Microsoft 365, dynamic, mail-enabled
//! security, synced and role-assignable groups.

use serde_json::{json, Map, Value};

use crate::seed::Seed;

const DEPARTMENTS: &[(&str, &[&str])] = &[
    (
        "Engineering",
        &[
            "Software Engineer",
            "Senior Software Engineer",
            "Site Reliability Engineer",
            "QA Engineer",
        ],
    ),
    (
        "Sales",
        &[
            "Account Executive",
            "Sales Development Representative",
            "Solutions Consultant",
        ],
    ),
    (
        "Marketing",
        &["Marketing Specialist", "Content Writer", "Campaign Manager"],
    ),
    (
        "Finance",
        &["Accountant", "Financial Analyst", "Payroll Specialist"],
    ),
    (
        "Human Resources",
        &["HR Generalist", "Recruiter", "HR Business Partner"],
    ),
    ("Legal", &["Counsel", "Paralegal", "Compliance Analyst"]),
    (
        "Operations",
        &["Operations Analyst", "Logistics Coordinator", "Buyer"],
    ),
    (
        "Customer Support",
        &["Support Agent", "Senior Support Agent", "Support Engineer"],
    ),
    (
        "IT",
        &[
            "Service Desk Analyst",
            "Systems Administrator",
            "Network Engineer",
        ],
    ),
    (
        "Product",
        &["Product Manager", "Product Designer", "UX Researcher"],
    ),
    (
        "Research",
        &["Research Scientist", "Data Scientist", "Lab Technician"],
    ),
    (
        "Facilities",
        &[
            "Facilities Coordinator",
            "Office Manager",
            "Security Officer",
        ],
    ),
];

const FIRST: &[&str] = &[
    "Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn",
    "Rowan", "Emery", "Harper", "Logan", "Parker", "Reese", "Skyler", "Dakota", "Elliot", "Hayden",
    "Noa", "Kai", "Mila", "Luca", "Ines", "Omar", "Yara", "Priya", "Chen", "Aiko",
];
const LAST: &[&str] = &[
    "Smith", "Garcia", "Nguyen", "Müller", "Rossi", "Kowalski", "Okafor", "Haddad", "Tanaka",
    "Silva", "Novak", "Jensen", "Dubois", "Ivanova", "Kim", "Patel", "O'Neil", "Larsen", "Moreau",
    "Fischer", "Costa", "Petrov", "Wong", "Mensah", "Berg",
];
const OFFICES: &[(&str, &str)] = &[
    ("Seattle", "US"),
    ("London", "GB"),
    ("Berlin", "DE"),
    ("Paris", "FR"),
    ("Singapore", "SG"),
    ("Toronto", "CA"),
];

fn user_id(i: usize) -> String {
    format!("5ca1e000-0000-4000-8000-{i:012x}")
}

fn group_id(i: usize) -> String {
    format!("5ca1e000-0000-4000-9000-{i:012x}")
}

/// A deterministic pseudo-random number for (index, salt): SplitMix64.
fn pick(i: usize, salt: u64) -> u64 {
    let mut z = (i as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xBF58_476D_1CE4_E5B9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn percent(i: usize, salt: u64) -> u64 {
    pick(i, salt) % 100
}

struct Person {
    guest: bool,
    has_reports: bool,
}

/// The base seed with `users` users and `groups` groups instead of its own.
pub fn scaled(base: &Seed, users: usize, groups: usize) -> Seed {
    let domain = base
        .tenant
        .verified_domains
        .iter()
        .find_map(|d| d.get("name").and_then(Value::as_str))
        .unwrap_or("contoso.example")
        .to_string();
    let company = base.tenant.display_name.clone();
    let mut people: Vec<Person> = Vec::with_capacity(users);
    let mut user_objects: Vec<Map<String, Value>> = Vec::with_capacity(users);
    // Members of each department in order: the head first.
    let mut by_department: Vec<Vec<usize>> = vec![Vec::new(); DEPARTMENTS.len()];
    for i in 0..users {
        let guest = i > DEPARTMENTS.len() && percent(i, 1) < 3;
        let department = if i == 0 || guest {
            None
        } else {
            Some((i - 1) % DEPARTMENTS.len())
        };
        let (manager, rank) = match department {
            None if i == 0 => (None, 0),
            None => (None, usize::MAX),
            Some(d) => {
                let k = by_department[d].len();
                by_department[d].push(i);
                if k == 0 {
                    (Some(0), 0)
                } else {
                    let boss = by_department[d][(k - 1) / 8];
                    people[boss].has_reports = true;
                    (Some(boss), k)
                }
            }
        };
        people.push(Person {
            guest,
            has_reports: false,
        });
        let first = FIRST[pick(i, 2) as usize % FIRST.len()];
        let last = LAST[pick(i, 3) as usize % LAST.len()];
        let nickname: String = format!("{first}.{last}.{i}")
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let (office, country) = OFFICES[pick(i, 4) as usize % OFFICES.len()];
        let synced = !guest && percent(i, 5) < 30;
        let upn = if guest {
            format!("{nickname}_fabrikam.example#EXT#@{domain}")
        } else {
            format!("{nickname}@{domain}")
        };
        let job_title = match department {
            None if i == 0 => Some("Chief Executive Officer".to_string()),
            None => None,
            Some(d) if rank == 0 => Some(format!("Head of {}", DEPARTMENTS[d].0)),
            Some(d) => {
                let titles = DEPARTMENTS[d].1;
                Some(titles[pick(i, 6) as usize % titles.len()].to_string())
            }
        };
        let mut u = Map::new();
        u.insert("id".into(), json!(user_id(i)));
        u.insert("displayName".into(), json!(format!("{first} {last}")));
        u.insert("givenName".into(), json!(first));
        u.insert("surname".into(), json!(last));
        u.insert("userPrincipalName".into(), json!(upn));
        u.insert("mailNickname".into(), json!(nickname));
        u.insert(
            "mail".into(),
            json!(if guest {
                format!("{nickname}@fabrikam.example")
            } else {
                format!("{nickname}@{domain}")
            }),
        );
        u.insert(
            "userType".into(),
            json!(if guest { "Guest" } else { "Member" }),
        );
        u.insert("accountEnabled".into(), json!(percent(i, 7) >= 2));
        u.insert(
            "department".into(),
            department.map_or(
                if i == 0 {
                    json!("Executive")
                } else {
                    Value::Null
                },
                |d| json!(DEPARTMENTS[d].0),
            ),
        );
        u.insert("jobTitle".into(), json!(job_title));
        u.insert(
            "companyName".into(),
            if guest { Value::Null } else { json!(company) },
        );
        u.insert("officeLocation".into(), json!(office));
        u.insert("usageLocation".into(), json!(country));
        u.insert("businessPhones".into(), json!([]));
        if !guest {
            u.insert("employeeId".into(), json!(format!("E{:06}", i + 1)));
            u.insert(
                "employeeType".into(),
                json!(if percent(i, 8) < 12 {
                    "Contractor"
                } else {
                    "Employee"
                }),
            );
            u.insert(
                "employeeHireDate".into(),
                json!(format!(
                    "{}-{:02}-{:02}T00:00:00Z",
                    2012 + pick(i, 9) % 14,
                    1 + pick(i, 10) % 12,
                    1 + pick(i, 11) % 28
                )),
            );
        }
        u.insert(
            "createdDateTime".into(),
            json!(format!(
                "2024-{:02}-{:02}T09:00:00Z",
                1 + pick(i, 12) % 12,
                1 + pick(i, 13) % 28
            )),
        );
        u.insert(
            "onPremisesSyncEnabled".into(),
            if synced { json!(true) } else { Value::Null },
        );
        u.insert("manager".into(), json!(manager.map(user_id)));
        user_objects.push(u);
    }
    let mut group_objects: Vec<Map<String, Value>> = Vec::with_capacity(groups);
    let group = |index: usize, name: &str, members: Vec<String>| {
        let mut g = Map::new();
        let nickname: String = name
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        g.insert("id".into(), json!(group_id(index)));
        g.insert("displayName".into(), json!(name));
        g.insert("description".into(), json!(format!("{name} ({company})")));
        g.insert("mailNickname".into(), json!(format!("{nickname}{index}")));
        g.insert("mail".into(), Value::Null);
        g.insert("mailEnabled".into(), json!(false));
        g.insert("securityEnabled".into(), json!(true));
        g.insert("groupTypes".into(), json!([]));
        g.insert("membershipRule".into(), Value::Null);
        g.insert("isAssignableToRole".into(), json!(false));
        g.insert("onPremisesSyncEnabled".into(), Value::Null);
        g.insert("createdDateTime".into(), json!("2024-01-15T08:00:00Z"));
        g.insert("members".into(), json!(members));
        g
    };
    let members_where = |f: &dyn Fn(&Person) -> bool| -> Vec<String> {
        people
            .iter()
            .enumerate()
            .filter(|(_, p)| f(p))
            .map(|(i, _)| user_id(i))
            .collect()
    };
    let mut fixed: Vec<(String, Vec<String>)> = vec![
        ("All Staff".into(), members_where(&|p| !p.guest)),
        ("People Managers".into(), members_where(&|p| p.has_reports)),
        ("All Guests".into(), members_where(&|p| p.guest)),
    ];
    let department_group = |d: usize| group_id(3 + d);
    for (d, (name, _)) in DEPARTMENTS.iter().enumerate() {
        fixed.push((
            format!("Dept {name}"),
            by_department[d].iter().map(|i| user_id(*i)).collect(),
        ));
    }
    // Nesting: groups whose members are department groups.
    fixed.push((
        "Product and Engineering".into(),
        vec![department_group(0), department_group(9)],
    ));
    fixed.push((
        "Go To Market".into(),
        vec![
            department_group(1),
            department_group(2),
            department_group(7),
        ],
    ));
    for (index, (name, members)) in fixed.into_iter().enumerate().take(groups) {
        group_objects.push(group(index, &name, members));
    }
    let mut index = group_objects.len();
    while index < groups {
        let d = index % DEPARTMENTS.len();
        let pool = &by_department[d];
        let size = (5 + pick(index, 20) % 36) as usize;
        let start = if pool.is_empty() {
            0
        } else {
            pick(index, 21) as usize % pool.len()
        };
        let members: Vec<String> = (0..size.min(pool.len()))
            .map(|k| user_id(pool[(start + k * 7) % pool.len()]))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let name = format!("{} Team {}", DEPARTMENTS[d].0, index);
        let mut g = group(index, &name, members);
        match percent(index, 22) {
            // Microsoft 365 group.
            0..=29 => {
                g.insert("groupTypes".into(), json!(["Unified"]));
                g.insert("mailEnabled".into(), json!(true));
                g.insert("securityEnabled".into(), json!(false));
                g.insert("mail".into(), json!(format!("team{index}@{domain}")));
            }
            // Dynamic security group.
            30..=39 => {
                g.insert("groupTypes".into(), json!(["DynamicMembership"]));
                g.insert(
                    "membershipRule".into(),
                    json!(format!("user.department -eq \"{}\"", DEPARTMENTS[d].0)),
                );
            }
            // Mail-enabled security group.
            40..=44 => {
                g.insert("mailEnabled".into(), json!(true));
                g.insert("mail".into(), json!(format!("team{index}@{domain}")));
            }
            // Synced from on-premises AD.
            45..=49 => {
                g.insert("onPremisesSyncEnabled".into(), json!(true));
            }
            50 => {
                g.insert("isAssignableToRole".into(), json!(true));
            }
            _ => {}
        }
        group_objects.push(g);
        index += 1;
    }
    let mut seed = base.clone();
    seed.users = user_objects;
    seed.groups = group_objects;
    let principal = seed.app.service_principal_id.clone();
    for role in &mut seed.directory_roles {
        role.members.retain(|m| m.eq_ignore_ascii_case(&principal));
    }
    seed
}

//! Dynamic membership: a dynamic group's members are the users its
//! `membershipRule` matches, re-evaluated when users change, as Entra does
//! ("Dynamic membership rules for groups",
//! <https://learn.microsoft.com/en-us/entra/identity/users/groups-dynamic-membership>).
//! Entra processes rules in the background; the emulator applies them at
//! once after every write, so a change of `department` takes the user out
//! of (or into) a group on the next read.
//!
//! The subset understood: `user.<property>` compared with a quoted string,
//! `true`, `false` or `null` by `-eq`, `-ne`, `-startsWith`,
//! `-notStartsWith`, `-contains`, `-notContains` (case-insensitive, as
//! Entra compares strings), combined with `-and` / `and`, `-or` / `or`,
//! `-not` and parentheses; `-and` binds tighter than `-or` (the page's
//! "Operator precedence"). A rule outside the subset leaves the group's
//! members as seeded.

use serde_json::{Map, Value};

use crate::tenant::Tenant;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Word(String),
    Text(String),
}

fn tokens(rule: &str) -> Option<Vec<Token>> {
    let mut out = Vec::new();
    let mut chars = rule.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                out.push(Token::Open);
            }
            ')' => {
                chars.next();
                out.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut text = String::new();
                loop {
                    match chars.next()? {
                        '"' => break,
                        c => text.push(c),
                    }
                }
                out.push(Token::Text(text));
            }
            _ => {
                let mut word = String::new();
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() || c == '(' || c == ')' || c == '"' {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                out.push(Token::Word(word));
            }
        }
    }
    Some(out)
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    user: &'a Map<String, Value>,
}

impl Parser<'_> {
    fn peek_word(&self, wanted: &[&str]) -> bool {
        matches!(self.tokens.get(self.at), Some(Token::Word(w)) if wanted.iter().any(|x| w.eq_ignore_ascii_case(x)))
    }

    fn or(&mut self) -> Option<bool> {
        let mut value = self.and()?;
        while self.peek_word(&["-or", "or"]) {
            self.at += 1;
            let right = self.and()?;
            value = value || right;
        }
        Some(value)
    }

    fn and(&mut self) -> Option<bool> {
        let mut value = self.not()?;
        while self.peek_word(&["-and", "and"]) {
            self.at += 1;
            let right = self.not()?;
            value = value && right;
        }
        Some(value)
    }

    fn not(&mut self) -> Option<bool> {
        if self.peek_word(&["-not", "not"]) {
            self.at += 1;
            return Some(!self.not()?);
        }
        self.term()
    }

    fn term(&mut self) -> Option<bool> {
        match self.tokens.get(self.at)? {
            Token::Open => {
                self.at += 1;
                let value = self.or()?;
                (self.tokens.get(self.at)? == &Token::Close).then_some(())?;
                self.at += 1;
                Some(value)
            }
            Token::Word(property) => {
                let name = property
                    .get(..5)
                    .filter(|p| p.eq_ignore_ascii_case("user."))
                    .map(|_| &property[5..])?;
                let Some(Token::Word(op)) = self.tokens.get(self.at + 1) else {
                    return None;
                };
                let wanted = match self.tokens.get(self.at + 2)? {
                    Token::Text(t) => Some(t.to_lowercase()),
                    Token::Word(w) if w.eq_ignore_ascii_case("null") => None,
                    Token::Word(w)
                        if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") =>
                    {
                        Some(w.to_lowercase())
                    }
                    _ => return None,
                };
                self.at += 3;
                let actual = self
                    .user
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| match v {
                        Value::String(s) => Some(s.to_lowercase()),
                        Value::Bool(b) => Some(b.to_string()),
                        _ => None,
                    });
                let (a, w) = (actual.as_deref(), wanted.as_deref());
                let text = |f: fn(&str, &str) -> bool| match (a, w) {
                    (Some(a), Some(w)) => f(a, w),
                    _ => false,
                };
                match op.to_ascii_lowercase().as_str() {
                    "-eq" => Some(a == w),
                    "-ne" => Some(a != w),
                    "-startswith" => Some(text(|a, w| a.starts_with(w))),
                    "-notstartswith" => Some(!text(|a, w| a.starts_with(w))),
                    "-contains" => Some(text(|a, w| a.contains(w))),
                    "-notcontains" => Some(!text(|a, w| a.contains(w))),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Whether `rule` matches the user with these properties; `None` when the
/// rule is outside the understood subset. The tenant tokenizes each rule
/// once and calls [`matches_tokens`]; this is for the tests.
#[cfg(test)]
pub(crate) fn matches(rule: &str, user: &Map<String, Value>) -> Option<bool> {
    matches_tokens(&tokens(rule)?, user)
}

/// [`matches`] for a rule already split into tokens: a rule is tokenized
/// once per group, not once per user.
fn matches_tokens(tokens: &[Token], user: &Map<String, Value>) -> Option<bool> {
    let mut parser = Parser {
        tokens,
        at: 0,
        user,
    };
    let value = parser.or()?;
    (parser.at == tokens.len()).then_some(value)
}

impl Tenant {
    /// Re-evaluates every dynamic group whose rule is understood: its
    /// members become the users the rule matches, in the tenant's order.
    pub(crate) fn apply_membership_rules(&mut self) {
        for index in 0..self.groups.len() {
            if !self.groups[index].is_dynamic() {
                continue;
            }
            let Some(rule) = self.groups[index]
                .props
                .get("membershipRule")
                .and_then(Value::as_str)
                .map(str::to_string)
            else {
                continue;
            };
            let Some(tokens) = tokens(&rule) else {
                continue;
            };
            let mut members = Vec::new();
            let mut understood = true;
            for user in &self.users {
                match matches_tokens(&tokens, &user.props) {
                    Some(true) => members.push(user.id().to_string()),
                    Some(false) => {}
                    None => {
                        understood = false;
                        break;
                    }
                }
            }
            if understood {
                self.groups[index].members = members;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn the_subset_of_the_rule_syntax() {
        let raul = user(
            json!({"department": "Engineering", "employeeType": "Contractor", "accountEnabled": true}),
        );
        let rule =
            r#"(user.department -eq "Engineering") and (user.employeeType -eq "Contractor")"#;
        assert_eq!(matches(rule, &raul), Some(true));
        let moved = user(json!({"department": "Sales", "employeeType": "Contractor"}));
        assert_eq!(matches(rule, &moved), Some(false));
        assert_eq!(
            matches(
                r#"user.department -eq "sales" -or user.department -eq "x" -and user.jobTitle -ne null"#,
                &moved
            ),
            Some(true),
            "-and binds tighter than -or"
        );
        assert_eq!(
            matches(r#"-not (user.department -startsWith "Eng")"#, &raul),
            Some(false)
        );
        assert_eq!(matches("user.accountEnabled -eq true", &raul), Some(true));
        assert_eq!(
            matches(r#"user.memberOf -any (group.objectId -in ["x"])"#, &raul),
            None
        );
        assert_eq!(
            matches(r#"(user.department -eq "Engineering""#, &raul),
            None
        );
    }
}

//! A small OData `$filter` parser and evaluator for the subset Graph supports on
//! directory objects: `eq`, `ne`, `in`, `and`, `or`, `not`, `startswith`,
//! `endswith`, and `collection/any(x:x eq '...')` (or `startswith(x,'...')`,
//! `endswith(x,'...')` inside the lambda), and `ge`/`le`/`gt`/`lt` on
//! date-time properties against DateTimeOffset literals
//! (`employeeLeaveDateTime le 2026-01-03T17:00:00Z`). Hostile input yields an error,
//! never a panic: input length and nesting depth are bounded.

use serde_json::{Map, Value};

const MAX_LENGTH: usize = 4096;
const MAX_DEPTH: usize = 24;

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    String(String),
    Bool(bool),
    Number(i64),
    /// An unquoted literal that starts like a date (`2026-01-03...`): a
    /// DateTimeOffset if it parses as RFC 3339, else a type mismatch.
    DateTime(String),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CompareOp {
    Eq,
    Ne,
    Ge,
    Le,
    Gt,
    Lt,
}

impl CompareOp {
    fn is_range(self) -> bool {
        matches!(
            self,
            CompareOp::Ge | CompareOp::Le | CompareOp::Gt | CompareOp::Lt
        )
    }
}

/// Epoch milliseconds of an RFC 3339 date-time (with time and offset).
fn date_time_ms(text: &str) -> Option<i128> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos() / 1_000_000)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Compare {
        property: String,
        op: CompareOp,
        value: Literal,
    },
    In {
        property: String,
        values: Vec<Literal>,
    },
    StartsWith {
        property: String,
        prefix: String,
    },
    EndsWith {
        property: String,
        suffix: String,
    },
    /// `collection/any(x: x eq 'value')`
    Any {
        property: String,
        value: Literal,
    },
    /// `collection/any(x: startswith(x, 'prefix'))`
    AnyStartsWith {
        property: String,
        prefix: String,
    },
    /// `collection/any(x: endswith(x, 'suffix'))`: an advanced query.
    AnyEndsWith {
        property: String,
        suffix: String,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub enum FilterError {
    /// Not a well-formed expression.
    Syntax(String),
    /// A property the type does not have.
    UnknownProperty(String),
    /// A real property, or operator, the directory does not filter on.
    Unsupported(String),
    /// Comparing a property with a literal of another type.
    TypeMismatch(String),
    /// `ne`, `not` or `endswith` without `ConsistencyLevel: eventual` + `$count=true`.
    NeedsAdvancedQuery(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Number(i64),
    DateTime(String),
    LParen,
    RParen,
    Comma,
    Colon,
}

fn tokenize(input: &str) -> Result<Vec<Token>, FilterError> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' | '\n' => i += 1,
            '(' => {
                tokens.push(Token::LParen);
                i += 1;
            }
            ')' => {
                tokens.push(Token::RParen);
                i += 1;
            }
            ',' => {
                tokens.push(Token::Comma);
                i += 1;
            }
            ':' => {
                tokens.push(Token::Colon);
                i += 1;
            }
            '\'' => {
                // OData string literal: a doubled quote stands for one quote.
                let mut text = String::new();
                i += 1;
                loop {
                    match chars.get(i) {
                        None => {
                            return Err(FilterError::Syntax(format!(
                            "There is an unterminated string literal at position {} in '{input}'.",
                            i
                        )))
                        }
                        Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                            text.push('\'');
                            i += 2;
                        }
                        Some('\'') => {
                            i += 1;
                            break;
                        }
                        Some(ch) => {
                            text.push(*ch);
                            i += 1;
                        }
                    }
                }
                tokens.push(Token::Str(text));
            }
            c if c.is_ascii_digit()
                && chars.len() > i + 4
                && chars[i..i + 4].iter().all(char::is_ascii_digit)
                && chars[i + 4] == '-' =>
            {
                // A date or date-time literal, up to the next delimiter.
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], '-' | ':' | '.' | '+'))
                {
                    i += 1;
                }
                tokens.push(Token::DateTime(chars[start..i].iter().collect()));
            }
            c if c.is_ascii_digit() || c == '-' => {
                let start = i;
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let text: String = chars[start..i].iter().collect();
                let n = text.parse::<i64>().map_err(|_| {
                    FilterError::Syntax(format!("Syntax error at position {start} in '{input}'."))
                })?;
                tokens.push(Token::Number(n));
            }
            c if c.is_ascii_alphabetic() || c == '_' || c == '$' => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_ascii_alphanumeric()
                        || matches!(chars[i], '_' | '/' | '.' | '$'))
                {
                    i += 1;
                }
                tokens.push(Token::Ident(chars[start..i].iter().collect()));
            }
            other => {
                return Err(FilterError::Syntax(format!(
                    "Syntax error: character '{other}' is not valid at position {i} in '{input}'."
                )))
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
    source: String,
}

impl Parser {
    fn syntax(&self) -> FilterError {
        FilterError::Syntax(format!(
            "Syntax error at position {} in '{}'.",
            self.pos, self.source
        ))
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, token: Token) -> Result<(), FilterError> {
        if self.next() == Some(token) {
            Ok(())
        } else {
            Err(self.syntax())
        }
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Ident(w)) if w.eq_ignore_ascii_case(word))
    }

    fn enter(&mut self) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::Unsupported(
                "The query specified in the URI is not valid. The node count limit has been exceeded.".into(),
            ));
        }
        Ok(())
    }

    fn or_expr(&mut self) -> Result<Expr, FilterError> {
        self.enter()?;
        let mut left = self.and_expr()?;
        while self.keyword("or") {
            self.pos += 1;
            let right = self.and_expr()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        self.depth -= 1;
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Expr, FilterError> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, FilterError> {
        if self.keyword("not") {
            self.pos += 1;
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn literal(&mut self) -> Result<Literal, FilterError> {
        match self.next() {
            Some(Token::Str(s)) => Ok(Literal::String(s)),
            Some(Token::Number(n)) => Ok(Literal::Number(n)),
            Some(Token::DateTime(d)) => Ok(Literal::DateTime(d)),
            Some(Token::Ident(w)) if w == "true" => Ok(Literal::Bool(true)),
            Some(Token::Ident(w)) if w == "false" => Ok(Literal::Bool(false)),
            Some(Token::Ident(w)) if w == "null" => Ok(Literal::Null),
            _ => Err(self.syntax()),
        }
    }

    fn string_literal(&mut self) -> Result<String, FilterError> {
        match self.literal()? {
            Literal::String(s) => Ok(s),
            _ => Err(self.syntax()),
        }
    }

    fn property(&mut self) -> Result<String, FilterError> {
        match self.next() {
            Some(Token::Ident(name)) => Ok(name),
            _ => Err(self.syntax()),
        }
    }

    fn primary(&mut self) -> Result<Expr, FilterError> {
        match self.peek().cloned() {
            Some(Token::LParen) => {
                self.pos += 1;
                let inner = self.or_expr()?;
                self.expect(Token::RParen)?;
                Ok(inner)
            }
            Some(Token::Ident(name)) => {
                self.pos += 1;
                let lower = name.to_ascii_lowercase();
                if (lower == "startswith" || lower == "endswith")
                    && self.peek() == Some(&Token::LParen)
                {
                    self.pos += 1;
                    let property = self.property()?;
                    self.expect(Token::Comma)?;
                    let text = self.string_literal()?;
                    self.expect(Token::RParen)?;
                    return Ok(if lower == "startswith" {
                        Expr::StartsWith {
                            property,
                            prefix: text,
                        }
                    } else {
                        Expr::EndsWith {
                            property,
                            suffix: text,
                        }
                    });
                }
                if let Some(collection) = lower.strip_suffix("/any") {
                    let property = name[..collection.len()].to_string();
                    self.expect(Token::LParen)?;
                    let var = self.property()?;
                    self.expect(Token::Colon)?;
                    let used = self.property()?;
                    let function = used.to_ascii_lowercase();
                    if (function == "startswith" || function == "endswith")
                        && self.peek() == Some(&Token::LParen)
                    {
                        self.pos += 1;
                        if self.property()? != var {
                            return Err(self.syntax());
                        }
                        self.expect(Token::Comma)?;
                        let text = self.string_literal()?;
                        self.expect(Token::RParen)?;
                        self.expect(Token::RParen)?;
                        return Ok(if function == "startswith" {
                            Expr::AnyStartsWith {
                                property,
                                prefix: text,
                            }
                        } else {
                            Expr::AnyEndsWith {
                                property,
                                suffix: text,
                            }
                        });
                    }
                    if used != var || !self.keyword("eq") {
                        return Err(self.syntax());
                    }
                    self.pos += 1;
                    let value = self.literal()?;
                    self.expect(Token::RParen)?;
                    return Ok(Expr::Any { property, value });
                }
                match self.next() {
                    Some(Token::Ident(op)) if op.eq_ignore_ascii_case("eq") => Ok(Expr::Compare {
                        property: name,
                        op: CompareOp::Eq,
                        value: self.literal()?,
                    }),
                    Some(Token::Ident(op)) if op.eq_ignore_ascii_case("ne") => Ok(Expr::Compare {
                        property: name,
                        op: CompareOp::Ne,
                        value: self.literal()?,
                    }),
                    Some(Token::Ident(op)) if op.eq_ignore_ascii_case("in") => {
                        self.expect(Token::LParen)?;
                        let mut values = vec![self.literal()?];
                        while self.peek() == Some(&Token::Comma) {
                            self.pos += 1;
                            values.push(self.literal()?);
                        }
                        self.expect(Token::RParen)?;
                        Ok(Expr::In { property: name, values })
                    }
                    Some(Token::Ident(op))
                        if ["gt", "ge", "lt", "le"]
                            .iter()
                            .any(|o| op.eq_ignore_ascii_case(o)) =>
                    {
                        let op = match op.to_ascii_lowercase().as_str() {
                            "ge" => CompareOp::Ge,
                            "le" => CompareOp::Le,
                            "gt" => CompareOp::Gt,
                            _ => CompareOp::Lt,
                        };
                        Ok(Expr::Compare {
                            property: name,
                            op,
                            value: self.literal()?,
                        })
                    }
                    Some(Token::Ident(op)) if op.eq_ignore_ascii_case("has") => {
                        Err(FilterError::Unsupported(format!(
                            "Unsupported or invalid query filter clause specified for property '{name}'."
                        )))
                    }
                    _ => Err(self.syntax()),
                }
            }
            _ => Err(self.syntax()),
        }
    }
}

pub fn parse(input: &str) -> Result<Expr, FilterError> {
    if input.len() > MAX_LENGTH {
        return Err(FilterError::Unsupported(
            "The query specified in the URI is not valid. The filter is too long.".into(),
        ));
    }
    if input.trim().is_empty() {
        return Err(FilterError::Syntax(
            "The $filter expression must not be empty.".into(),
        ));
    }
    let mut parser = Parser {
        tokens: tokenize(input)?,
        pos: 0,
        depth: 0,
        source: input.to_string(),
    };
    let expr = parser.or_expr()?;
    if parser.pos != parser.tokens.len() {
        return Err(parser.syntax());
    }
    Ok(expr)
}

/// How a property may be filtered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PropertyKind {
    /// eq/ne/in/startswith; endswith only where `ends_with` is set.
    String {
        ends_with: bool,
    },
    Bool,
    /// A string collection filtered with `any`.
    StringCollection,
    /// A DateTimeOffset: `eq`, `ne`, `ge`, `le` (and `gt`, `lt`) against a
    /// DateTimeOffset literal, in advanced queries only (the employee
    /// lifecycle dates are indexed in the advanced store).
    DateTime,
}

/// The filterable properties of one resource.
pub struct FilterTarget {
    /// Graph type name, e.g. `user`.
    pub type_name: &'static str,
    /// Resource name in messages, e.g. `User`.
    pub resource: &'static str,
    pub properties: &'static [(&'static str, PropertyKind)],
}

impl FilterTarget {
    fn kind(&self, property: &str) -> Result<(&'static str, PropertyKind), FilterError> {
        if let Some((name, kind)) = self
            .properties
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(property))
        {
            return Ok((name, *kind));
        }
        if crate::schema::canonical_property(self.type_name, property).is_some() {
            Err(self.unsupported(property))
        } else {
            Err(FilterError::UnknownProperty(format!(
                "Could not find a property named '{property}' on type 'microsoft.graph.{}'.",
                self.type_name
            )))
        }
    }

    fn unsupported(&self, property: &str) -> FilterError {
        FilterError::Unsupported(format!(
            "Unsupported or invalid query filter clause specified for property '{property}' of resource '{}'.",
            self.resource
        ))
    }

    fn check_literal(
        &self,
        property: &str,
        kind: PropertyKind,
        value: &Literal,
    ) -> Result<(), FilterError> {
        if kind == PropertyKind::DateTime {
            return match value {
                Literal::Null => Ok(()),
                Literal::DateTime(d) if date_time_ms(d).is_some() => Ok(()),
                _ => Err(FilterError::Unsupported(
                    "The type of the value doesn't match the property whose type is DateTime"
                        .into(),
                )),
            };
        }
        let fits = matches!(
            (kind, value),
            (_, Literal::Null)
                | (PropertyKind::String { .. }, Literal::String(_))
                | (PropertyKind::StringCollection, Literal::String(_))
                | (PropertyKind::Bool, Literal::Bool(_))
        );
        if fits {
            Ok(())
        } else {
            Err(FilterError::TypeMismatch(format!(
                "A binary operator with incompatible types was detected. Found operand types for property '{property}' that do not match."
            )))
        }
    }

    /// Checks properties, operators and types; `advanced` says whether the
    /// request carries `ConsistencyLevel: eventual` and `$count=true`.
    pub fn validate(&self, expr: &Expr, advanced: bool) -> Result<(), FilterError> {
        let needs_advanced = |property: &str| {
            FilterError::NeedsAdvancedQuery(format!(
                "Unsupported or invalid query filter clause specified for property '{property}' of resource '{}'.",
                self.resource
            ))
        };
        match expr {
            Expr::Compare {
                property,
                op,
                value,
            } => {
                let (name, kind) = self.kind(property)?;
                if kind == PropertyKind::StringCollection
                    || (op.is_range() && kind != PropertyKind::DateTime)
                {
                    return Err(self.unsupported(name));
                }
                self.check_literal(name, kind, value)?;
                if (*op == CompareOp::Ne || kind == PropertyKind::DateTime) && !advanced {
                    return Err(needs_advanced(name));
                }
                Ok(())
            }
            Expr::In { property, values } => {
                let (name, kind) = self.kind(property)?;
                if kind == PropertyKind::StringCollection || values.len() > 15 {
                    return Err(self.unsupported(name));
                }
                values
                    .iter()
                    .try_for_each(|v| self.check_literal(name, kind, v))
            }
            Expr::StartsWith { property, .. } => match self.kind(property)? {
                (_, PropertyKind::String { .. }) => Ok(()),
                (name, _) => Err(self.unsupported(name)),
            },
            Expr::EndsWith { property, .. } => match self.kind(property)? {
                (name, PropertyKind::String { ends_with: true }) if !advanced => {
                    Err(needs_advanced(name))
                }
                (_, PropertyKind::String { ends_with: true }) => Ok(()),
                (name, _) => Err(self.unsupported(name)),
            },
            Expr::Any { property, value } => match self.kind(property)? {
                (name, PropertyKind::StringCollection) => {
                    self.check_literal(name, PropertyKind::StringCollection, value)
                }
                (name, _) => Err(self.unsupported(name)),
            },
            Expr::AnyStartsWith { property, .. } => match self.kind(property)? {
                (_, PropertyKind::StringCollection) => Ok(()),
                (name, _) => Err(self.unsupported(name)),
            },
            // Of the collections only proxyAddresses is indexed for endsWith,
            // and only in advanced queries.
            Expr::AnyEndsWith { property, .. } => match self.kind(property)? {
                (name, PropertyKind::StringCollection) if name == "proxyAddresses" => {
                    if advanced {
                        Ok(())
                    } else {
                        Err(needs_advanced(name))
                    }
                }
                (name, _) => Err(self.unsupported(name)),
            },
            Expr::And(a, b) | Expr::Or(a, b) => {
                self.validate(a, advanced)?;
                self.validate(b, advanced)
            }
            Expr::Not(inner) => {
                if !advanced {
                    return Err(needs_advanced("not"));
                }
                self.validate(inner, advanced)
            }
        }
    }
}

fn lookup<'a>(object: &'a Map<String, Value>, property: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(property))
        .map(|(_, v)| v)
}

fn equals(actual: Option<&Value>, literal: &Literal) -> bool {
    match (actual, literal) {
        (None | Some(Value::Null), Literal::Null) => true,
        (Some(Value::String(a)), Literal::String(b)) => a.eq_ignore_ascii_case(b),
        (Some(Value::Bool(a)), Literal::Bool(b)) => a == b,
        (Some(Value::Number(a)), Literal::Number(b)) => a.as_i64() == Some(*b),
        (Some(Value::String(a)), Literal::DateTime(b)) => {
            date_time_ms(a).is_some() && date_time_ms(a) == date_time_ms(b)
        }
        _ => false,
    }
}

fn text<'a>(object: &'a Map<String, Value>, property: &str) -> Option<&'a str> {
    lookup(object, property).and_then(Value::as_str)
}

fn any_text(object: &Map<String, Value>, property: &str, test: impl Fn(&str) -> bool) -> bool {
    lookup(object, property)
        .and_then(Value::as_array)
        .is_some_and(|items| items.iter().filter_map(Value::as_str).any(&test))
}

/// Evaluates a validated expression against an object's properties.
/// String comparisons are case-insensitive, as in the directory.
pub fn matches(expr: &Expr, object: &Map<String, Value>) -> bool {
    match expr {
        Expr::Compare {
            property,
            op,
            value,
        } => {
            let actual = lookup(object, property);
            let order = || match (actual.and_then(Value::as_str), value) {
                (Some(a), Literal::DateTime(b)) => {
                    date_time_ms(a).zip(date_time_ms(b)).map(|(a, b)| a.cmp(&b))
                }
                // A missing date matches no range.
                _ => None,
            };
            match op {
                CompareOp::Eq => equals(actual, value),
                CompareOp::Ne => !equals(actual, value),
                CompareOp::Ge => order().is_some_and(|o| o.is_ge()),
                CompareOp::Le => order().is_some_and(|o| o.is_le()),
                CompareOp::Gt => order().is_some_and(|o| o.is_gt()),
                CompareOp::Lt => order().is_some_and(|o| o.is_lt()),
            }
        }
        Expr::In { property, values } => values.iter().any(|v| equals(lookup(object, property), v)),
        Expr::StartsWith { property, prefix } => text(object, property)
            .is_some_and(|t| t.to_lowercase().starts_with(&prefix.to_lowercase())),
        Expr::EndsWith { property, suffix } => text(object, property)
            .is_some_and(|t| t.to_lowercase().ends_with(&suffix.to_lowercase())),
        Expr::Any { property, value } => lookup(object, property)
            .and_then(Value::as_array)
            .is_some_and(|items| items.iter().any(|i| equals(Some(i), value))),
        Expr::AnyStartsWith { property, prefix } => any_text(object, property, |t| {
            t.to_lowercase().starts_with(&prefix.to_lowercase())
        }),
        Expr::AnyEndsWith { property, suffix } => any_text(object, property, |t| {
            t.to_lowercase().ends_with(&suffix.to_lowercase())
        }),
        Expr::And(a, b) => matches(a, object) && matches(b, object),
        Expr::Or(a, b) => matches(a, object) || matches(b, object),
        Expr::Not(inner) => !matches(inner, object),
    }
}

/// Does the expression use an operator that makes it an advanced query?
pub fn is_advanced(expr: &Expr) -> bool {
    match expr {
        Expr::Compare { op, .. } => *op == CompareOp::Ne,
        Expr::EndsWith { .. } | Expr::AnyEndsWith { .. } | Expr::Not(_) => true,
        Expr::And(a, b) | Expr::Or(a, b) => is_advanced(a) || is_advanced(b),
        _ => false,
    }
}

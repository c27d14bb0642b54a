//! Calico's selector expressions (`app == 'web' && has(tier)`, `all()`), as Calico policies
//! write `selector`, `namespaceSelector` and `serviceAccountSelector`.

/// A parsed Calico selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    All,
    /// `global()`: matches only non-namespaced resources (never a pod).
    Global,
    Has(String),
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Contains(String, String),
    StartsWith(String, String),
    EndsWith(String, String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Evaluates against a label lookup.
    pub fn matches<'a>(&self, label: &impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Expr::All => true,
            Expr::Global => false,
            Expr::Has(key) => label(key).is_some(),
            Expr::Equals(key, value) => label(key) == Some(value.as_str()),
            Expr::NotEquals(key, value) => label(key) != Some(value.as_str()),
            Expr::In(key, values) => label(key).is_some_and(|v| values.iter().any(|x| x == v)),
            Expr::NotIn(key, values) => label(key).is_none_or(|v| values.iter().all(|x| x != v)),
            Expr::Contains(key, part) => label(key).is_some_and(|v| v.contains(part.as_str())),
            Expr::StartsWith(key, part) => label(key).is_some_and(|v| v.starts_with(part.as_str())),
            Expr::EndsWith(key, part) => label(key).is_some_and(|v| v.ends_with(part.as_str())),
            Expr::Not(inner) => !inner.matches(label),
            Expr::And(a, b) => a.matches(label) && b.matches(label),
            Expr::Or(a, b) => a.matches(label) || b.matches(label),
        }
    }

    /// The label keys the expression reads.
    pub fn keys(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_keys(&mut out);
        out
    }

    fn collect_keys<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expr::All | Expr::Global => {}
            Expr::Has(key)
            | Expr::Equals(key, _)
            | Expr::NotEquals(key, _)
            | Expr::In(key, _)
            | Expr::NotIn(key, _)
            | Expr::Contains(key, _)
            | Expr::StartsWith(key, _)
            | Expr::EndsWith(key, _) => out.push(key),
            Expr::Not(inner) => inner.collect_keys(out),
            Expr::And(a, b) | Expr::Or(a, b) => {
                a.collect_keys(out);
                b.collect_keys(out);
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
    OpenSet,
    CloseSet,
    Comma,
    Not,
    And,
    Or,
    Equals,
    NotEquals,
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => (tokens.push(Token::Open), i += 1).1,
            ')' => (tokens.push(Token::Close), i += 1).1,
            '{' => (tokens.push(Token::OpenSet), i += 1).1,
            '}' => (tokens.push(Token::CloseSet), i += 1).1,
            ',' => (tokens.push(Token::Comma), i += 1).1,
            '&' if next == Some('&') => (tokens.push(Token::And), i += 2).1,
            '|' if next == Some('|') => (tokens.push(Token::Or), i += 2).1,
            '=' if next == Some('=') => (tokens.push(Token::Equals), i += 2).1,
            '!' if next == Some('=') => (tokens.push(Token::NotEquals), i += 2).1,
            '!' => (tokens.push(Token::Not), i += 1).1,
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&d| d == c)
                    .ok_or("an unterminated string")?;
                tokens.push(Token::Text(chars[i + 1..i + 1 + end].iter().collect()));
                i += end + 2;
            }
            c if c.is_alphanumeric() || matches!(c, '_' | '.' | '/' | '-') => {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '/' | '-'))
                {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    depth: usize,
}

/// Parses a selector; an empty one is `all()`, as Calico reads it.
pub fn parse(text: &str) -> Result<Expr, String> {
    let tokens = tokenize(text)?;
    if tokens.is_empty() {
        return Ok(Expr::All);
    }
    let mut parser = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let expr = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(format!("unexpected {:?}", parser.tokens[parser.at]));
    }
    Ok(expr)
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn expect(&mut self, token: Token) -> Result<(), String> {
        match self.next() {
            Some(found) if found == token => Ok(()),
            found => Err(format!("expected {token:?}, found {found:?}")),
        }
    }

    fn word_is(&self, offset: usize, word: &str) -> bool {
        matches!(self.tokens.get(self.at + offset), Some(Token::Word(w)) if w == word)
    }

    fn text(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Token::Text(text)) => Ok(text),
            found => Err(format!("expected a quoted string, found {found:?}")),
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            let right = self.and()?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            let right = self.unary()?;
            left = Expr::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        // Hostile input may nest without end; Calico's own parser would give up too.
        self.depth += 1;
        if self.depth > 100 {
            return Err("the selector nests too deeply".into());
        }
        let result = if self.peek() == Some(&Token::Not) {
            self.at += 1;
            self.unary().map(|inner| Expr::Not(Box::new(inner)))
        } else {
            self.primary()
        };
        self.depth -= 1;
        result
    }

    fn set(&mut self) -> Result<Vec<String>, String> {
        self.expect(Token::OpenSet)?;
        let mut values = Vec::new();
        if self.peek() == Some(&Token::CloseSet) {
            self.at += 1;
            return Ok(values);
        }
        loop {
            values.push(self.text()?);
            match self.next() {
                Some(Token::Comma) => {}
                Some(Token::CloseSet) => return Ok(values),
                found => return Err(format!("expected , or }}, found {found:?}")),
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                self.expect(Token::Close)?;
                Ok(inner)
            }
            Some(Token::Word(word)) => match word.as_str() {
                "all" | "global" if self.peek() == Some(&Token::Open) => {
                    self.expect(Token::Open)?;
                    self.expect(Token::Close)?;
                    Ok(if word == "all" {
                        Expr::All
                    } else {
                        Expr::Global
                    })
                }
                "has" if self.peek() == Some(&Token::Open) => {
                    self.expect(Token::Open)?;
                    let key = match self.next() {
                        Some(Token::Word(key)) => key,
                        found => return Err(format!("expected a label key, found {found:?}")),
                    };
                    self.expect(Token::Close)?;
                    Ok(Expr::Has(key))
                }
                _ => self.comparison(word),
            },
            found => Err(format!("expected a term, found {found:?}")),
        }
    }

    fn comparison(&mut self, key: String) -> Result<Expr, String> {
        match self.next() {
            Some(Token::Equals) => Ok(Expr::Equals(key, self.text()?)),
            Some(Token::NotEquals) => Ok(Expr::NotEquals(key, self.text()?)),
            Some(Token::Word(word)) => match word.as_str() {
                "in" => Ok(Expr::In(key, self.set()?)),
                "not" if self.word_is(0, "in") => {
                    self.at += 1;
                    Ok(Expr::NotIn(key, self.set()?))
                }
                "contains" => Ok(Expr::Contains(key, self.text()?)),
                "starts" if self.word_is(0, "with") => {
                    self.at += 1;
                    Ok(Expr::StartsWith(key, self.text()?))
                }
                "ends" if self.word_is(0, "with") => {
                    self.at += 1;
                    Ok(Expr::EndsWith(key, self.text()?))
                }
                other => Err(format!("unexpected {other:?} after label {key:?}")),
            },
            found => Err(format!(
                "expected an operator after label {key:?}, found {found:?}"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(selector: &str, labels: &[(&str, &str)]) -> bool {
        let expr = parse(selector).unwrap();
        let lookup = |key: &str| labels.iter().find(|(k, _)| *k == key).map(|(_, v)| *v);
        expr.matches(&lookup)
    }

    #[test]
    fn selectors_follow_calico() {
        assert!(eval("", &[]));
        assert!(eval("all()", &[("a", "b")]));
        assert!(!eval("global()", &[]));
        assert!(eval("app == 'web'", &[("app", "web")]));
        assert!(!eval("app == \"web\"", &[("app", "db")]));
        assert!(eval("app != 'web'", &[]));
        assert!(eval("has(app) && !has(tier)", &[("app", "x")]));
        assert!(eval("env in {'dev', 'test'}", &[("env", "test")]));
        assert!(eval("env not in {'prod'}", &[]));
        assert!(eval(
            "role == 'db' || (app == 'web' && tier starts with 'fr')",
            &[("app", "web"), ("tier", "front")]
        ));
        assert!(eval("k8s-app ends with 'dns'", &[("k8s-app", "kube-dns")]));
        assert!(eval(
            "projectcalico.org/namespace contains 'shop'",
            &[("projectcalico.org/namespace", "webshop")]
        ));
        assert!(eval("!!has(a)", &[("a", "")]));
    }

    #[test]
    fn malformed_selectors_are_errors() {
        for bad in [
            "app ==",
            "app = 'x'",
            "has(",
            "(a == 'b'",
            "a in {'x'",
            "a == 'x' &&",
            "a == 'x",
            "a ~ b",
            "a == 'x' b",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&"!".repeat(10_000)).is_err());
        assert!(parse(&format!("{}a == 'b'{}", "(".repeat(500), ")".repeat(500))).is_err());
    }
}

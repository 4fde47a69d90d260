//! The condition grammar: selection names, `and`, `or`, `not`, parentheses, `1 of <pattern>`,
//! `all of <pattern>`, `1 of them`, `all of them`. `not` binds tightest, then `and`, then `or`.
//! Patterns may end in or contain `*`; `them` leaves out selections whose name starts with `_`.
//! Aggregations (`| count() …`) are refused.

use super::pattern::Pattern;

/// A condition over selections, by index into the rule's selection list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Selection(usize),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Open,
    Close,
    Pipe,
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let flush = |word: &mut String, tokens: &mut Vec<Token>| {
        if !word.is_empty() {
            tokens.push(Token::Word(std::mem::take(word)));
        }
    };
    for c in text.chars() {
        match c {
            '(' | ')' | '|' => {
                flush(&mut word, &mut tokens);
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    _ => Token::Pipe,
                });
            }
            c if c.is_whitespace() => flush(&mut word, &mut tokens),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut tokens);
    tokens
}

/// Deeper parenthesis nesting than this is refused, so parsing cannot exhaust the stack.
const MAX_NESTING: usize = 64;

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    names: &'a [String],
    depth: usize,
}

/// Parse `text` against the rule's selection names (in their order).
pub fn parse(text: &str, names: &[String]) -> Result<Expr, String> {
    let tokens = tokenize(text);
    if tokens.contains(&Token::Pipe) {
        return Err("aggregation expressions (`| count() …`) are not supported; use a correlation outside the plugin".into());
    }
    if tokens.is_empty() {
        return Err("the condition is empty".into());
    }
    let mut parser = Parser {
        tokens,
        pos: 0,
        names,
        depth: 0,
    };
    let expr = parser.or()?;
    match parser.tokens.get(parser.pos) {
        None => Ok(expr),
        Some(t) => Err(format!(
            "unexpected {} after a complete condition",
            describe(t)
        )),
    }
}

fn describe(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("`{w}`"),
        Token::Open => "`(`".into(),
        Token::Close => "`)`".into(),
        Token::Pipe => "`|`".into(),
    }
}

fn keyword(token: Option<&Token>, kw: &str) -> bool {
    matches!(token, Some(Token::Word(w)) if w.eq_ignore_ascii_case(kw))
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut terms = vec![self.and()?];
        while keyword(self.peek(), "or") {
            self.pos += 1;
            terms.push(self.and()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::Or(terms)
        })
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut terms = vec![self.unary()?];
        while keyword(self.peek(), "and") {
            self.pos += 1;
            terms.push(self.unary()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            Expr::And(terms)
        })
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if keyword(self.peek(), "not") {
            self.pos += 1;
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err("`not` and parentheses nested deeper than 64 levels".into());
            }
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let token = self.peek().cloned();
        self.pos += 1;
        match token {
            None => Err("the condition ends where a selection was expected".into()),
            Some(Token::Open) => {
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return Err("parentheses nested deeper than 64 levels".into());
                }
                let inner = self.or()?;
                self.depth -= 1;
                match self.peek() {
                    Some(Token::Close) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err("missing `)`".into()),
                }
            }
            Some(Token::Word(word)) => {
                let quantifier = if word == "1" || word.eq_ignore_ascii_case("any") {
                    Some(false)
                } else if word.eq_ignore_ascii_case("all") {
                    Some(true)
                } else {
                    None
                };
                if let Some(all) = quantifier
                    && keyword(self.peek(), "of")
                {
                    self.pos += 1;
                    let Some(Token::Word(target)) = self.peek().cloned() else {
                        return Err(format!("`{word} of` needs a selection pattern or `them`"));
                    };
                    self.pos += 1;
                    return self.quantified(all, &target);
                }
                if let Some(Token::Word(next)) = self.tokens.get(self.pos)
                    && next.eq_ignore_ascii_case("of")
                {
                    return Err(format!(
                        "`{word} of` is not supported; use `1 of` or `all of`"
                    ));
                }
                if ["and", "or", "not", "of"]
                    .iter()
                    .any(|k| word.eq_ignore_ascii_case(k))
                {
                    return Err(format!("`{word}` where a selection was expected"));
                }
                match self.names.iter().position(|n| *n == word) {
                    Some(index) => Ok(Expr::Selection(index)),
                    None => Err(format!("unknown selection `{word}`")),
                }
            }
            Some(t) => Err(format!("unexpected {}", describe(&t))),
        }
    }

    fn quantified(&self, all: bool, target: &str) -> Result<Expr, String> {
        let chosen: Vec<Expr> = if target.eq_ignore_ascii_case("them") {
            (0..self.names.len())
                .filter(|&i| !self.names[i].starts_with('_'))
                .map(Expr::Selection)
                .collect()
        } else {
            let pattern = Pattern::new(target, true, false, false);
            (0..self.names.len())
                .filter(|&i| pattern.matches(&self.names[i], &self.names[i]))
                .map(Expr::Selection)
                .collect()
        };
        if chosen.is_empty() {
            return Err(format!("`{target}` names no selection"));
        }
        Ok(if all {
            Expr::And(chosen)
        } else {
            Expr::Or(chosen)
        })
    }
}

impl Expr {
    /// Evaluate with `selection(i)` deciding each selection (called lazily, short-circuiting).
    pub fn eval(&self, selection: &mut impl FnMut(usize) -> bool) -> bool {
        match self {
            Expr::Selection(i) => selection(*i),
            Expr::Not(e) => !e.eval(selection),
            Expr::And(es) => es.iter().all(|e| e.eval(selection)),
            Expr::Or(es) => es.iter().any(|e| e.eval(selection)),
        }
    }

    /// Selections that appear other than under `not`: the ones that explain a match.
    pub fn positive(&self, negated: bool, out: &mut Vec<usize>) {
        match self {
            Expr::Selection(i) => {
                if !negated && !out.contains(i) {
                    out.push(*i);
                }
            }
            Expr::Not(e) => e.positive(!negated, out),
            Expr::And(es) | Expr::Or(es) => es.iter().for_each(|e| e.positive(negated, out)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        ["sel_a", "sel_b", "filter", "_helper"]
            .map(String::from)
            .to_vec()
    }

    fn truth(expr: &Expr, values: [bool; 4]) -> bool {
        expr.eval(&mut |i| values[i])
    }

    #[test]
    fn precedence_and_parentheses() {
        let e = parse("sel_a or sel_b and not filter", &names()).expect("parse");
        assert_eq!(
            e,
            Expr::Or(vec![
                Expr::Selection(0),
                Expr::And(vec![
                    Expr::Selection(1),
                    Expr::Not(Box::new(Expr::Selection(2)))
                ])
            ])
        );
        let e = parse("(sel_a or sel_b) and not filter", &names()).expect("parse");
        assert!(truth(&e, [true, false, false, false]));
        assert!(!truth(&e, [true, false, true, false]));
        assert!(!truth(&e, [false, false, false, false]));
        let e = parse("not not sel_a", &names()).expect("parse");
        assert!(truth(&e, [true, false, false, false]));
    }

    #[test]
    fn quantifiers() {
        let one = parse("1 of sel_*", &names()).expect("parse");
        assert_eq!(one, Expr::Or(vec![Expr::Selection(0), Expr::Selection(1)]));
        let all = parse("all of sel_* and not filter", &names()).expect("parse");
        assert!(truth(&all, [true, true, false, false]));
        assert!(!truth(&all, [true, false, false, false]));
        let them = parse("all of them", &names()).expect("parse");
        assert_eq!(
            them,
            Expr::And((0..3).map(Expr::Selection).collect()),
            "`_helper` is left out"
        );
        let any_them = parse("1 of them", &names()).expect("parse");
        assert!(truth(&any_them, [false, false, true, false]));
        assert!(!truth(&any_them, [false, false, false, true]));
    }

    #[test]
    fn errors_say_why() {
        let n = names();
        assert_eq!(parse("sel_x", &n), Err("unknown selection `sel_x`".into()));
        assert!(
            parse("sel_a | count() > 5", &n)
                .expect_err("agg")
                .contains("aggregation")
        );
        assert_eq!(parse("(sel_a", &n), Err("missing `)`".into()));
        assert_eq!(
            parse("sel_a and", &n),
            Err("the condition ends where a selection was expected".into())
        );
        assert_eq!(parse("1 of x*", &n), Err("`x*` names no selection".into()));
        assert_eq!(
            parse("2 of sel_*", &n),
            Err("`2 of` is not supported; use `1 of` or `all of`".into())
        );
        assert_eq!(
            parse("sel_a sel_b", &n),
            Err("unexpected `sel_b` after a complete condition".into())
        );
        assert!(parse(&"(".repeat(100), &n).is_err());
        assert!(parse(&format!("{}sel_a", "not ".repeat(100)), &n).is_err());
        assert!(parse(&format!("{}sel_a", "not ".repeat(60)), &n).is_ok());
    }
}

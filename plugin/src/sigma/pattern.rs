//! Sigma string values: `*` and `?` wildcards with `\` escapes, compared case-insensitively unless the
//! rule says `cased`.
//!
//! Escapes follow the specification: `\*`, `\?` and `\\` stand for the literal character; a backslash
//! before anything else is itself literal (`C:\Windows` needs no doubling).

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    /// `*`: any run of characters.
    Any,
    /// `?`: exactly one character.
    One,
}

/// A compiled string pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    tokens: Vec<Token>,
    cased: bool,
}

impl Pattern {
    /// Compile a rule value. `contains`/`startswith`/`endswith` add a `*` around it.
    pub fn new(value: &str, cased: bool, leading_any: bool, trailing_any: bool) -> Pattern {
        let mut tokens = Vec::new();
        if leading_any {
            tokens.push(Token::Any);
        }
        let mut literal = String::new();
        let mut chars = value.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&next @ ('*' | '?' | '\\')) => {
                        literal.push(next);
                        chars.next();
                    }
                    _ => literal.push('\\'),
                },
                '*' | '?' => {
                    if !literal.is_empty() {
                        tokens.push(Token::Literal(fold(&literal, cased)));
                        literal.clear();
                    }
                    let token = if c == '*' { Token::Any } else { Token::One };
                    if !(token == Token::Any && tokens.last() == Some(&Token::Any)) {
                        tokens.push(token);
                    }
                }
                _ => literal.push(c),
            }
        }
        if !literal.is_empty() {
            tokens.push(Token::Literal(fold(&literal, cased)));
        }
        if trailing_any && tokens.last() != Some(&Token::Any) {
            tokens.push(Token::Any);
        }
        Pattern { tokens, cased }
    }

    /// The exact (lower-cased unless cased) text this pattern equals, when it has no wildcard.
    pub fn exact(&self) -> Option<&str> {
        match self.tokens.as_slice() {
            [Token::Literal(s)] => Some(s),
            [] => Some(""),
            _ => None,
        }
    }

    /// Match against an event string given as written and lower-cased.
    pub fn matches(&self, text: &str, lower: &str) -> bool {
        let subject = if self.cased { text } else { lower };
        match self.tokens.as_slice() {
            [] => subject.is_empty(),
            [Token::Literal(s)] => subject == s,
            [Token::Any] => true,
            [Token::Any, Token::Literal(s), Token::Any] => subject.contains(s.as_str()),
            [Token::Literal(s), Token::Any] => subject.starts_with(s.as_str()),
            [Token::Any, Token::Literal(s)] => subject.ends_with(s.as_str()),
            tokens => glob(tokens, subject),
        }
    }
}

fn fold(s: &str, cased: bool) -> String {
    if cased {
        s.to_string()
    } else {
        s.to_lowercase()
    }
}

/// Wildcard matching with single-star backtracking: linear in practice, O(n·m) at worst, no recursion.
fn glob(tokens: &[Token], subject: &str) -> bool {
    let mut t = 0usize;
    let mut s = 0usize;
    // Where to resume after the last `*`: token index after it, subject offset it has consumed up to.
    let mut star: Option<(usize, usize)> = None;
    loop {
        if t < tokens.len() {
            match &tokens[t] {
                Token::Any => {
                    star = Some((t + 1, s));
                    t += 1;
                    continue;
                }
                Token::One => {
                    if let Some(c) = subject[s..].chars().next() {
                        s += c.len_utf8();
                        t += 1;
                        continue;
                    }
                }
                Token::Literal(lit) => {
                    if subject[s..].starts_with(lit.as_str()) {
                        s += lit.len();
                        t += 1;
                        continue;
                    }
                }
            }
        } else if s == subject.len() {
            return true;
        }
        // Mismatch: let the last `*` swallow one more character.
        match star {
            Some((resume, consumed)) => match subject[consumed..].chars().next() {
                Some(c) => {
                    let next = consumed + c.len_utf8();
                    star = Some((resume, next));
                    t = resume;
                    s = next;
                }
                None => return false,
            },
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, text: &str) -> bool {
        Pattern::new(pattern, false, false, false).matches(text, &text.to_lowercase())
    }

    #[test]
    fn wildcards_and_case() {
        assert!(m("StopLogging", "stoplogging"));
        assert!(!m("StopLogging", "StopLoggingX"));
        assert!(m("Delete*", "DeleteTrail"));
        assert!(m("*trail", "DeleteTrail"));
        assert!(m("*lete*", "DeleteTrail"));
        assert!(m("D?lete*l", "DeleteTrail"));
        assert!(!m("D?lete*x", "DeleteTrail"));
        assert!(m(
            "io.k8s.api.batch.v*.CronJob",
            "io.k8s.api.batch.v1.CronJob"
        ));
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("*", ""));
        assert!(m("ü*", "Über"));
    }

    #[test]
    fn escapes() {
        assert!(m(r"a\*b", "a*b"));
        assert!(!m(r"a\*b", "aXb"));
        assert!(m(r"what\?", "what?"));
        assert!(!m(r"what\?", "whatx"));
        assert!(
            m(r"C:\Windows\Sys*", r"C:\Windows\System32"),
            "backslash before a letter is literal"
        );
        assert!(
            !m(r"C:\Windows\*", r"C:\Windows\System32"),
            "backslash before `*` escapes it"
        );
        assert!(m(r"C:\\Windows", r"C:\Windows"));
        assert!(m(r"end\\*", r"end\more"));
    }

    #[test]
    fn modifiers_and_cased() {
        let contains = Pattern::new("trail", false, true, true);
        assert!(contains.matches("DeleteTrailX", "deletetrailx"));
        let cased = Pattern::new("Trail", true, true, false);
        assert!(cased.matches("DeleteTrail", "deletetrail"));
        assert!(!cased.matches("Deletetrail", "deletetrail"));
        assert_eq!(
            Pattern::new("Stop", false, false, false).exact(),
            Some("stop")
        );
        assert_eq!(Pattern::new("St*", false, false, false).exact(), None);
    }
}

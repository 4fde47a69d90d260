//! Errors naming the rule, the place inside it and the reason.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not YAML, or YAML that is not a Sigma rule.
    Invalid,
    /// A valid Sigma feature the plugin does not evaluate (aggregations, correlations, unknown
    /// modifiers, log sources without events here). `OnUnsupported::SkipAndReport` skips these.
    Unsupported,
    /// Two rules with the same id.
    DuplicateId,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SigmaError {
    pub kind: ErrorKind,
    /// The document's origin (`config.sigma.rules[3]`, a file path) and its position in a multi-document text.
    pub origin: String,
    /// `id (title)`, whichever the rule has; `(untitled)` when neither could be read.
    pub rule: String,
    /// The place inside the rule: `detection.selection.eventName|foo`, `logsource`, `detection.condition`.
    pub path: String,
    /// 1-based line in the document's text (counting across its `---` parts), when known.
    pub line: Option<usize>,
    pub reason: String,
}

impl fmt::Display for SigmaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, " line {line}")?;
        }
        write!(f, ": rule {}", self.rule)?;
        if !self.path.is_empty() {
            write!(f, " at {}", self.path)?;
        }
        let kind = match self.kind {
            ErrorKind::Unsupported => "unsupported: ",
            ErrorKind::Invalid | ErrorKind::DuplicateId => "",
        };
        write!(f, ": {kind}{}", self.reason)
    }
}

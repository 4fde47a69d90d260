//! What a rule saw on one event, before context and configuration.

use super::Rule;
use crate::model::Severity;

/// What a rule saw on one event, before context and configuration.
#[derive(Debug)]
pub struct Detection {
    pub rule: &'static Rule,
    pub severity: Severity,
    pub confidence: u8,
    /// What changed and what lost visibility, in the analyst's words.
    pub reasons: Vec<String>,
    /// How to find what lost visibility, and since when.
    pub scope: String,
    /// The concrete commands that restore monitoring.
    pub restore: Vec<String>,
}

impl Detection {
    pub fn new(rule: &'static Rule) -> Detection {
        Detection {
            rule,
            severity: rule.severity,
            confidence: rule.confidence,
            reasons: Vec::new(),
            scope: String::new(),
            restore: Vec::new(),
        }
    }

    pub fn severity(mut self, severity: Severity) -> Detection {
        self.severity = severity;
        self
    }

    pub fn confidence(mut self, confidence: u8) -> Detection {
        self.confidence = confidence.min(100);
        self
    }

    pub fn reason(mut self, reason: impl Into<String>) -> Detection {
        self.reasons.push(reason.into());
        self
    }

    pub fn scope(mut self, scope: impl Into<String>) -> Detection {
        self.scope = scope.into();
        self
    }

    pub fn restore(mut self, command: impl Into<String>) -> Detection {
        self.restore.push(command.into());
        self
    }
}

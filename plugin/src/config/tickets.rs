//! Change tickets: feature rollouts that switch logging off briefly are approved changes, and the
//! approval travels with the change (an annotation, a tag, a session name). A suppression naming a
//! ticket scheme holds only when the event carries an id that matches the scheme's pattern, so an
//! attacker cannot borrow the suppression without also forging a plausible ticket id — and the finding
//! still says which id it was, for the reviewer to check.

use regex_automata::meta::Regex;
use serde::Deserialize;

use super::ConfigError;
use crate::model::Normalized;
use crate::sources::json::{self, Object};

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct TicketDocument {
    name: String,
    /// A regular expression a valid id matches (searched in the field's value; anchor it to require
    /// the whole value).
    pattern: String,
    /// Where the id is carried: JSON pointers into the event (RFC 6901, e.g.
    /// `/requestObject/metadata/annotations/change.example.com~1ticket`), or `principal` /
    /// `user_agent` for the normalised fields (session names often carry the ticket).
    fields: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct TicketScheme {
    pub name: String,
    pattern: Regex,
    fields: Vec<TicketField>,
}

#[derive(Debug, Clone)]
enum TicketField {
    /// The first pointer segment (a top-level key of the event) and the rest of the pointer.
    Pointer {
        key: String,
        rest: String,
    },
    Principal,
    UserAgent,
}

impl TicketScheme {
    /// The first valid ticket id the event carries.
    pub fn find(&self, event: Option<&Object<'_>>, fields: &Normalized) -> Option<String> {
        self.fields.iter().find_map(|field| {
            let value = match field {
                TicketField::Principal => fields.principal.clone(),
                TicketField::UserAgent => fields.user_agent.clone(),
                TicketField::Pointer { key, rest } => {
                    let raw = event?.raw(key)?;
                    if rest.is_empty() {
                        json::raw_str(raw).map(|s| s.into_owned())
                    } else {
                        // Only reached for findings that a ticket suppression could cover, so
                        // parsing the nested value here costs nothing on the common path.
                        let value: serde_json::Value = serde_json::from_str(raw.get()).ok()?;
                        value.pointer(rest)?.as_str().map(str::to_owned)
                    }
                }
            }?;
            self.pattern
                .find(value.as_str())
                .and_then(|m| value.get(m.range()))
                .map(str::to_owned)
        })
    }
}

pub fn validate(documents: Vec<TicketDocument>) -> Result<Vec<TicketScheme>, ConfigError> {
    let mut schemes: Vec<TicketScheme> = Vec::new();
    for (i, doc) in documents.into_iter().enumerate() {
        let path = format!("change_tickets[{i}]");
        if doc.name.trim().is_empty() {
            return Err(ConfigError::at(format!("{path}.name"), "must not be empty"));
        }
        if schemes.iter().any(|s| s.name == doc.name) {
            return Err(ConfigError::at(
                format!("{path}.name"),
                format!("{:?} is declared twice", doc.name),
            ));
        }
        if doc.pattern.is_empty() {
            return Err(ConfigError::at(
                format!("{path}.pattern"),
                "must not be empty: it would accept any value as a ticket",
            ));
        }
        let pattern = Regex::new(&doc.pattern).map_err(|e| {
            ConfigError::at(
                format!("{path}.pattern"),
                format!("not a valid regular expression: {e}"),
            )
        })?;
        if pattern.is_match("") {
            return Err(ConfigError::at(
                format!("{path}.pattern"),
                "matches the empty string, so any value would pass as a ticket",
            ));
        }
        if doc.fields.is_empty() {
            return Err(ConfigError::at(
                format!("{path}.fields"),
                "name at least one field that carries the ticket id",
            ));
        }
        let mut fields = Vec::new();
        for (j, text) in doc.fields.iter().enumerate() {
            fields.push(field(text).ok_or_else(|| {
                ConfigError::at(
                    format!("{path}.fields[{j}]"),
                    format!(
                        "{text:?} is neither a JSON pointer (starting with '/') nor principal or user_agent"
                    ),
                )
            })?);
        }
        schemes.push(TicketScheme {
            name: doc.name,
            pattern,
            fields,
        });
    }
    Ok(schemes)
}

fn field(text: &str) -> Option<TicketField> {
    match text {
        "principal" => return Some(TicketField::Principal),
        "user_agent" => return Some(TicketField::UserAgent),
        _ => {}
    }
    let pointer = text.strip_prefix('/')?;
    let (first, rest) = match pointer.find('/') {
        Some(i) => (&pointer[..i], &pointer[i..]),
        None => (pointer, ""),
    };
    if first.is_empty() {
        return None;
    }
    Some(TicketField::Pointer {
        key: first.replace("~1", "/").replace("~0", "~"),
        rest: rest.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scheme(json: &str) -> Result<TicketScheme, ConfigError> {
        let doc: TicketDocument = serde_json::from_str(json).expect("document");
        validate(vec![doc]).map(|mut s| s.remove(0))
    }

    #[test]
    fn finds_ids_in_annotations_and_session_names() {
        let scheme = scheme(
            r#"{"name":"servicenow","pattern":"CHG[0-9]{7}",
                "fields":["/requestObject/metadata/annotations/change.example.com~1ticket","principal"]}"#,
        )
        .expect("valid");
        let text = r#"{"kind":"Event","requestObject":{"metadata":{"annotations":{"change.example.com/ticket":"CHG0012345"}}}}"#;
        let event = Object::parse(text).expect("object");
        assert_eq!(
            scheme.find(Some(&event), &Normalized::default()).as_deref(),
            Some("CHG0012345")
        );
        let fields = Normalized {
            principal: Some(
                "arn:aws:sts::111122223333:assumed-role/release/CHG0099999-rollout".into(),
            ),
            ..Normalized::default()
        };
        let plain = Object::parse(r#"{"kind":"Event"}"#).expect("object");
        assert_eq!(
            scheme.find(Some(&plain), &fields).as_deref(),
            Some("CHG0099999")
        );
        let forged = Object::parse(
            r#"{"requestObject":{"metadata":{"annotations":{"change.example.com/ticket":"approved"}}}}"#,
        )
        .expect("object");
        assert_eq!(scheme.find(Some(&forged), &Normalized::default()), None);
    }

    #[test]
    fn bad_schemes_name_the_key() {
        let cases = [
            (
                r#"{"name":"a","pattern":"CHG[","fields":["principal"]}"#,
                "change_tickets[0].pattern",
            ),
            (
                r#"{"name":"a","pattern":".*","fields":["principal"]}"#,
                "change_tickets[0].pattern",
            ),
            (
                r#"{"name":"a","pattern":"CHG","fields":[]}"#,
                "change_tickets[0].fields",
            ),
            (
                r#"{"name":"a","pattern":"CHG","fields":["requestObject.metadata"]}"#,
                "change_tickets[0].fields[0]",
            ),
        ];
        for (json, path) in cases {
            let err = scheme(json).expect_err(json);
            assert_eq!(err.path, path, "{json}: {err}");
        }
    }
}

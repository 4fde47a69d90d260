//! Finding text is read by people: in terminals, consoles, tickets and chat notifications. The names,
//! principals and messages in it come from the event, which an attacker can write, so a control
//! character, ANSI escape sequence or bidirectional override in them must come out as a visible escape
//! rather than act on the reader's terminal, forge a second log line or reorder what is displayed.
//!
//! Response steps hold shell commands whose arguments `rules::sh` single-quoted. A control character
//! inside such an argument is written as ANSI-C quoting (`'a'$'\n''b'`, bash, zsh, ksh and POSIX.1-2024
//! `sh`), so a pasted command still names the exact resource; elsewhere in a step it gets the same
//! quoting, which reads as an escape in prose and is correct in a command.

use std::borrow::Cow;

use crate::model::{EnrichedEvent, Finding};

/// Every finding of an event leaving the engine (enriched, drained or flushed), after correlation has
/// added its reasons: the one place finding text is made safe.
pub fn event(event: &mut EnrichedEvent) {
    event.findings.iter_mut().for_each(finding);
}

/// The finding with every text field made safe to display.
pub fn finding(finding: &mut Finding) {
    prose_in_place(&mut finding.title);
    finding.reasons.iter_mut().for_each(prose_in_place);
    if let Some(reason) = &mut finding.suppression {
        prose_in_place(reason);
    }
    finding.response.iter_mut().for_each(response_in_place);
    finding.related_events.iter_mut().for_each(prose_in_place);
}

/// Characters that change how text is displayed rather than being displayed: C0 and C1 controls
/// (newline, carriage return, ESC, CSI, DEL), Unicode line and paragraph separators and the
/// bidirectional formatting characters ("Trojan Source").
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

/// Text with unsafe characters written as escapes: `\n`, `\r`, `\t`, `\x1b` below U+0080, `\u{9b}`
/// above. Backslashes are left alone, so paths and regexes read as written.
pub fn prose(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_ascii() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
                c => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A response step: unsafe characters become ANSI-C quoted bytes, closing and reopening the single
/// quotes `rules::sh` put around an argument when they sit inside one.
pub fn response(step: &str) -> Cow<'_, str> {
    if !step.chars().any(is_unsafe) {
        return Cow::Borrowed(step);
    }
    let mut out = String::with_capacity(step.len() + 16);
    let mut quoted = false;
    let mut chars = step.chars().peekable();
    let mut previous: Option<char> = None;
    while let Some(c) = chars.next() {
        if is_unsafe(c) {
            let mut run = String::new();
            push_ansi_c(&mut run, c);
            while let Some(&next) = chars.peek()
                && is_unsafe(next)
            {
                push_ansi_c(&mut run, next);
                chars.next();
            }
            if quoted {
                out.push_str(&format!("'$'{run}''"));
            } else {
                out.push_str(&format!("$'{run}'"));
            }
            previous = Some(c);
            continue;
        }
        match c {
            '\'' if quoted => quoted = false,
            // An apostrophe between two letters is prose ("the agent's chart"), not a quote: `sh`
            // never opens a quote straight after a letter.
            '\'' => {
                let apostrophe = previous.is_some_and(char::is_alphanumeric)
                    && chars.peek().is_some_and(|n| n.is_alphanumeric());
                quoted = !apostrophe;
            }
            // Outside quotes a backslash escapes the next character (`sh` writes `'\''`).
            '\\' if !quoted => {
                if let Some(&next) = chars.peek()
                    && !is_unsafe(next)
                {
                    out.push(c);
                    out.push(next);
                    chars.next();
                    previous = Some(next);
                    continue;
                }
            }
            _ => {}
        }
        out.push(c);
        previous = Some(c);
    }
    Cow::Owned(out)
}

/// One character as `$'…'` escapes of its UTF-8 bytes, so any shell that reads ANSI-C quoting rebuilds
/// the exact bytes.
fn push_ansi_c(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let mut buf = [0u8; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        }
    }
}

fn prose_in_place(text: &mut String) {
    if let Cow::Owned(clean) = prose(text) {
        *text = clean;
    }
}

fn response_in_place(step: &mut String) {
    if let Cow::Owned(clean) = response(step) {
        *step = clean;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::sh;

    /// What a POSIX shell with ANSI-C quoting makes of one word: `'…'`, `$'…'` with the escapes
    /// `response` writes, and backslash-escaped characters, concatenated.
    fn shell_word(word: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let bytes = word.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'$' if bytes.get(i + 1) == Some(&b'\'') => {
                    i += 2;
                    while bytes[i] != b'\'' {
                        assert_eq!(bytes[i], b'\\', "only escapes inside $'': {word}");
                        match bytes[i + 1] {
                            b'n' => (out.push(b'\n'), i += 2).1,
                            b'r' => (out.push(b'\r'), i += 2).1,
                            b't' => (out.push(b'\t'), i += 2).1,
                            b'x' => {
                                let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).expect("hex");
                                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                                i += 4;
                            }
                            other => panic!("unexpected escape {other}"),
                        }
                    }
                    i += 1;
                }
                b'\'' => {
                    i += 1;
                    while bytes[i] != b'\'' {
                        out.push(bytes[i]);
                        i += 1;
                    }
                    i += 1;
                }
                b'\\' => {
                    out.push(bytes[i + 1]);
                    i += 2;
                }
                b => {
                    out.push(b);
                    i += 1;
                }
            }
        }
        out
    }

    #[test]
    fn prose_escapes_controls_ansi_and_bidi_and_leaves_the_rest() {
        assert!(matches!(prose("arn:aws:iam::1:user/a b"), Cow::Borrowed(_)));
        assert_eq!(
            prose("user/evil\n[ALERT] all clear\u{1b}[2J\r\t\u{7}"),
            "user/evil\\n[ALERT] all clear\\x1b[2J\\r\\t\\x07"
        );
        assert_eq!(
            prose("a\u{9b}31m\u{202e}b\u{2028}"),
            "a\\u{9b}31m\\u{202e}b\\u{2028}"
        );
        assert_eq!(prose(r"C:\logs é ✓"), r"C:\logs é ✓");
    }

    #[test]
    fn quoted_arguments_still_name_the_exact_resource() {
        for name in [
            "org-trail'; rm -rf / #\n\u{9b}31m",
            "a\u{1b}[2Jb",
            "x\r\n\ty",
            "''\n''",
            "\u{202e}\u{7f}",
        ] {
            let step = format!(
                "Re-enable: aws cloudtrail start-logging --name {} --region us-east-1",
                sh(name)
            );
            let clean = response(&step);
            assert!(!clean.chars().any(is_unsafe), "{clean}");
            let argument = clean
                .strip_prefix("Re-enable: aws cloudtrail start-logging --name ")
                .and_then(|rest| rest.strip_suffix(" --region us-east-1"))
                .expect("command kept its shape");
            assert_eq!(shell_word(argument), name.as_bytes(), "{clean}");
        }
    }

    #[test]
    fn every_finding_leaving_the_engine_is_clean_correlation_reasons_included() {
        let record = r#"{"eventVersion":"1.09","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/ops/dev\r\n[INFO] login ok\u001b[8m","accountId":"111122223333"},"eventTime":"2026-11-27T08:15:04Z","eventSource":"cloudtrail.amazonaws.com","eventName":"StopLogging","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.7","userAgent":"aws-cli/2.15.30\n\u001b[2J","requestParameters":{"name":"org-trail\u001b]8;;https://evil.example/\u0007"},"eventID":"e1","readOnly":false,"eventType":"AwsApiCall","recipientAccountId":"111122223333"}"#;
        let mut engine = crate::Engine::new();
        let mut findings = Vec::new();
        for _ in 0..2 {
            let events = engine
                .process_one(&crate::model::RawEvent {
                    data: record.as_bytes(),
                    source_hint: None,
                    tag: None,
                })
                .expect("events");
            findings.extend(events.into_iter().flat_map(|e| e.findings));
        }
        findings.extend(engine.flush().into_iter().flat_map(|e| e.findings));
        assert!(findings.len() >= 2);
        for f in &findings {
            let texts = std::iter::once(&f.title)
                .chain(&f.reasons)
                .chain(&f.response)
                .chain(f.suppression.as_ref());
            for text in texts {
                assert!(!text.chars().any(is_unsafe), "{text:?}");
            }
        }
        assert!(
            findings[0]
                .reasons
                .iter()
                .any(|r| r.contains(r"dev\r\n[INFO] login ok\x1b[8m"))
        );
    }

    #[test]
    fn unquoted_controls_and_prose_apostrophes() {
        let step = "Verify: confirm with the owner of user/o'brien\u{1b}[31m that it's approved";
        assert_eq!(
            response(step),
            "Verify: confirm with the owner of user/o'brien$'\\x1b'[31m that it's approved"
        );
        // Backslash escapes outside quotes (from `'\''`) do not flip the quote state.
        let step = format!("`docker inspect {}` shows it", sh("a'b\nc"));
        let clean = response(&step);
        let word = clean
            .strip_prefix("`docker inspect ")
            .and_then(|r| r.strip_suffix("` shows it"))
            .expect("shape");
        assert_eq!(shell_word(word), b"a'b\nc");
    }
}

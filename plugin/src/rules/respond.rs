//! What response commands share: names quoted for the shell, since resource names are attacker-chosen.

/// Quote a value for a POSIX shell so that response commands stay safe to paste even when resource
/// names are attacker-chosen.
pub fn sh(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@=+,".contains(&b));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

//! Principals remembered by the raw texts they are read from. A shipper's stream repeats a handful of
//! identities (controllers, pipelines, a few people); comparing the texts of the objects a principal
//! is read from (CloudTrail's `userIdentity`, Kubernetes' `user` and `impersonatedUser`, Azure's
//! `identity`, `claims` and `caller`) costs a fraction of reading them again.

/// Principals remembered, replaced round-robin.
pub(super) const ENTRIES: usize = 8;
/// Texts longer than this together are read every time rather than copied into memory: the state
/// stays small whatever the input.
const MAX_KEY: usize = 4096;
/// Between the parts of a key. Raw JSON never holds an unescaped control character, so a key cannot
/// be read two ways.
const SEPARATOR: char = '\u{1}';

#[derive(Debug, Default)]
pub(super) struct Remembered {
    /// (the parts joined by `SEPARATOR`, their principal)
    entries: Vec<(String, Option<String>)>,
    next: usize,
}

impl Remembered {
    /// Write into `out` (empty) the principal read from `parts` (a tag naming the reader, then the
    /// raw texts it reads, `""` for an absent one): from memory, else by `read`, which writes it and
    /// says whether there is one.
    pub(super) fn principal(
        &mut self,
        parts: &[&str],
        out: &mut String,
        read: impl FnOnce(&mut String) -> bool,
    ) -> bool {
        if let Some((_, known)) = self.entries.iter().find(|(key, _)| same(key, parts)) {
            out.push_str(known.as_deref().unwrap_or(""));
            return known.is_some();
        }
        let found = read(out);
        let principal = found.then_some(out.as_str());
        let size: usize = parts.iter().map(|p| p.len() + 1).sum();
        if size > MAX_KEY {
            return found;
        }
        if self.entries.len() < ENTRIES {
            let mut key = String::with_capacity(size);
            join(&mut key, parts);
            self.entries.push((key, principal.map(str::to_owned)));
            return found;
        }
        if let Some((key, known)) = self.entries.get_mut(self.next) {
            key.clear();
            join(key, parts);
            match (known.as_mut(), principal) {
                (Some(buffer), Some(value)) => {
                    buffer.clear();
                    buffer.push_str(value);
                }
                (_, value) => *known = value.map(str::to_owned),
            }
        }
        self.next = (self.next + 1) % ENTRIES;
        found
    }
}

fn join(key: &mut String, parts: &[&str]) {
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            key.push(SEPARATOR);
        }
        key.push_str(part);
    }
}

/// Whether `key` is `parts` joined, without joining them.
fn same(key: &str, parts: &[&str]) -> bool {
    let mut rest = key;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            match rest.strip_prefix(SEPARATOR) {
                Some(after) => rest = after,
                None => return false,
            }
        }
        match rest.strip_prefix(part) {
            Some(after) => rest = after,
            None => return false,
        }
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_by_every_part_and_forgets_round_robin() {
        let mut memory = Remembered::default();
        let reads = std::cell::Cell::new(0);
        let ask = |memory: &mut Remembered, parts: &[&str]| {
            let mut out = String::new();
            let found = memory.principal(parts, &mut out, |out| {
                reads.set(reads.get() + 1);
                out.push_str(parts.get(1).copied().unwrap_or(""));
                !out.is_empty()
            });
            (found, out)
        };
        assert_eq!(ask(&mut memory, &["t", "a", "b"]), (true, "a".to_owned()));
        assert_eq!(ask(&mut memory, &["t", "a", "b"]), (true, "a".to_owned()));
        // A part moved across the separator is another key.
        assert_eq!(ask(&mut memory, &["t", "ab", ""]), (true, "ab".to_owned()));
        assert_eq!(ask(&mut memory, &["t", "", "b"]), (false, String::new()));
        assert_eq!(ask(&mut memory, &["t", "", "b"]), (false, String::new()));
        for i in 0..ENTRIES * 2 {
            let part = i.to_string();
            assert_eq!(ask(&mut memory, &["t", &part, "b"]), (true, part.clone()));
        }
        assert!(memory.entries.len() <= ENTRIES);
        let long = "x".repeat(MAX_KEY);
        assert_eq!(ask(&mut memory, &["t", &long]), (true, long.clone()));
        assert!(memory.entries.iter().all(|(key, _)| key.len() <= MAX_KEY));
        assert_eq!(reads.get(), 3 + ENTRIES * 2 + 1);
    }
}

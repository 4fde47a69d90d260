//! What a Kubernetes write request sets, whatever body kubectl sent: a strategic-merge or JSON-merge
//! patch (a partial object), an RFC 6902 JSON patch (a list of `{"op","path","value"}`), or the whole
//! object of a `create`/`update`. Rules ask "which values are set at this path" and get the same answer
//! for all three.

use crate::sources::json::Raw;

use crate::sources::json::{self, Object};

/// Patterns are lists of object keys; `*` matches any key of an object or any index of a list.
pub const ANY: &str = "*";

/// JSON patches longer than this are read only this far: a hostile body cannot make a rule loop long.
const MAX_OPS: usize = 1_000;

#[derive(Debug)]
pub enum Body<'a> {
    Object(Raw<'a>),
    JsonPatch(Vec<Op<'a>>),
    None,
}

#[derive(Debug)]
pub struct Op<'a> {
    pub op: String,
    pub path: Vec<String>,
    pub value: Option<Raw<'a>>,
}

/// A value set by the body, with the key or index the pattern's last `*` matched.
#[derive(Debug)]
pub struct Set<'a> {
    pub key: Option<String>,
    pub value: Raw<'a>,
}

impl Set<'_> {
    pub fn str(&self) -> Option<String> {
        json::raw_str(self.value).map(|s| s.into_owned())
    }

    pub fn is_null(&self) -> bool {
        json::is_null(self.value)
    }
}

/// `/spec/template/metadata/annotations/fluentbit.io~1exclude` → its keys, `~1` as `/` and `~0` as `~`.
pub fn pointer(path: &str) -> Vec<String> {
    path.split('/')
        .skip(1)
        .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
        .collect()
}

impl<'a> Body<'a> {
    pub fn of(raw: Option<Raw<'a>>) -> Body<'a> {
        let Some(raw) = raw else {
            return Body::None;
        };
        if raw.get().starts_with('{') {
            return Body::Object(raw);
        }
        let Some(list) = json::raw_array(raw) else {
            return Body::None;
        };
        let ops = list
            .into_iter()
            .take(MAX_OPS)
            .filter_map(|op| Object::from_raw(op).ok())
            .filter_map(|op| {
                Some(Op {
                    op: op.str("op")?.into_owned(),
                    path: pointer(&op.str("path")?),
                    value: op.raw("value"),
                })
            })
            .collect();
        Body::JsonPatch(ops)
    }

    pub fn is_json_patch(&self) -> bool {
        matches!(self, Body::JsonPatch(_))
    }

    /// Every value the body sets at a path matching `pattern` (nulls included: in a merge patch they
    /// remove the key).
    pub fn set_at(&self, pattern: &[&str]) -> Vec<Set<'a>> {
        let mut out = Vec::new();
        match self {
            Body::Object(raw) => descend(*raw, pattern, None, &mut out),
            Body::JsonPatch(ops) => {
                for op in ops.iter().filter(|o| o.op == "add" || o.op == "replace") {
                    let Some(value) = op.value else { continue };
                    if op.path.len() > pattern.len() {
                        continue;
                    }
                    let mut key = None;
                    let matched = op.path.iter().zip(pattern).all(|(segment, want)| {
                        if *want == ANY {
                            key = Some(segment.clone());
                            true
                        } else {
                            segment == want
                        }
                    });
                    if matched {
                        let rest = pattern.get(op.path.len()..).unwrap_or_default();
                        descend(value, rest, key, &mut out);
                    }
                }
            }
            Body::None => {}
        }
        out
    }

    /// Whether the body writes or removes anything at, above or below `pattern`.
    pub fn touches(&self, pattern: &[&str]) -> bool {
        match self {
            Body::Object(_) => !self.set_at(pattern).is_empty(),
            Body::JsonPatch(ops) => ops.iter().any(|op| {
                op.op != "test"
                    && op
                        .path
                        .iter()
                        .zip(pattern)
                        .all(|(segment, want)| *want == ANY || segment == want)
            }),
            Body::None => false,
        }
    }

    /// JSON patch `remove` operations at paths matching `pattern` exactly.
    pub fn removes(&self, pattern: &[&str]) -> bool {
        match self {
            Body::JsonPatch(ops) => ops.iter().any(|op| {
                op.op == "remove"
                    && op.path.len() == pattern.len()
                    && op
                        .path
                        .iter()
                        .zip(pattern)
                        .all(|(segment, want)| *want == ANY || segment == want)
            }),
            _ => false,
        }
    }
}

fn descend<'a>(raw: Raw<'a>, pattern: &[&str], key: Option<String>, out: &mut Vec<Set<'a>>) {
    let Some((first, rest)) = pattern.split_first() else {
        out.push(Set { key, value: raw });
        return;
    };
    let text = raw.get();
    if text.starts_with('{') {
        let Ok(object) = Object::from_raw(raw) else {
            return;
        };
        if *first == ANY {
            let keys: Vec<String> = object.keys().map(str::to_owned).collect();
            for k in keys {
                if let Some(value) = object.raw(&k) {
                    descend(value, rest, Some(k), out);
                }
            }
        } else if let Some(value) = object.raw(first) {
            descend(value, rest, key, out);
        }
    } else if text.starts_with('[') {
        let items = json::raw_array(raw).unwrap_or_default();
        if *first == ANY {
            for (i, value) in items.into_iter().enumerate() {
                descend(value, rest, Some(i.to_string()), out);
            }
        } else if let Some(value) = first.parse::<usize>().ok().and_then(|i| items.get(i)) {
            descend(*value, rest, key, out);
        }
    }
}

/// Where the pod template of a workload kind lives: its metadata is `prefix + ["metadata"]` and its pod
/// spec `prefix + ["spec"]`. `None` for resources that carry no pods.
pub fn template_prefix(resource: &str) -> Option<&'static [&'static str]> {
    match resource {
        "pods" => Some(&[]),
        "deployments"
        | "daemonsets"
        | "statefulsets"
        | "replicasets"
        | "replicationcontrollers"
        | "jobs" => Some(&["spec", "template"]),
        "cronjobs" => Some(&["spec", "jobTemplate", "spec", "template"]),
        _ => None,
    }
}

/// `prefix + tail` as a pattern.
pub fn at<'p>(prefix: &[&'p str], tail: &[&'p str]) -> Vec<&'p str> {
    prefix.iter().chain(tail).copied().collect()
}

/// The JSON pointer of a path (`~` and `/` escaped), for `kubectl patch --type=json` commands.
pub fn to_pointer(path: &[&str]) -> String {
    path.iter()
        .map(|s| format!("/{}", s.replace('~', "~0").replace('/', "~1")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Raw<'_> {
        Raw::parse(text).expect("raw")
    }

    fn keys_and_values(body: &Body<'_>, pattern: &[&str]) -> Vec<(Option<String>, String)> {
        body.set_at(pattern)
            .into_iter()
            .map(|s| (s.key, s.value.get().to_owned()))
            .collect()
    }

    #[test]
    fn merge_patch_and_full_objects() {
        let r = raw(
            r#"{"spec":{"template":{"metadata":{"annotations":{"fluentbit.io/exclude":"true"}},"spec":{"containers":[{"name":"a","image":"x:1"},{"name":"b","image":"y:2"}]}}}}"#,
        );
        let body = Body::of(Some(r));
        assert_eq!(
            keys_and_values(&body, &["spec", "template", "metadata", "annotations", ANY]),
            vec![(Some("fluentbit.io/exclude".into()), "\"true\"".into())]
        );
        assert_eq!(
            keys_and_values(
                &body,
                &["spec", "template", "spec", "containers", ANY, "image"]
            ),
            vec![
                (Some("0".into()), "\"x:1\"".into()),
                (Some("1".into()), "\"y:2\"".into())
            ]
        );
        assert!(body.touches(&["spec", "template", "spec"]));
        assert!(!body.touches(&["spec", "replicas"]));
    }

    #[test]
    fn json_patch_paths_at_every_depth() {
        let r = raw(
            r#"[{"op":"add","path":"/spec/template/metadata/annotations/fluentbit.io~1exclude","value":"true"},
                {"op":"replace","path":"/spec/template/spec/containers/0","value":{"name":"a","image":"evil:1"}},
                {"op":"replace","path":"/spec/replicas","value":0},
                {"op":"remove","path":"/spec/template/spec/nodeSelector"},
                {"op":"add","path":"/metadata/labels","value":{"a~b":"c"}}]"#,
        );
        let body = Body::of(Some(r));
        assert!(body.is_json_patch());
        assert_eq!(
            keys_and_values(&body, &["spec", "template", "metadata", "annotations", ANY]),
            vec![(Some("fluentbit.io/exclude".into()), "\"true\"".into())]
        );
        assert_eq!(
            keys_and_values(
                &body,
                &["spec", "template", "spec", "containers", ANY, "image"]
            ),
            vec![(Some("0".into()), "\"evil:1\"".into())]
        );
        assert_eq!(
            keys_and_values(&body, &["spec", "replicas"]),
            vec![(None, "0".into())]
        );
        assert_eq!(
            keys_and_values(&body, &["metadata", "labels", ANY]),
            vec![(Some("a~b".into()), "\"c\"".into())]
        );
        assert!(body.touches(&["spec", "template", "spec", "nodeSelector"]));
        assert!(body.removes(&["spec", "template", "spec", "nodeSelector"]));
        assert_eq!(pointer("/a~1b/c~0d"), vec!["a/b", "c~d"]);
        assert_eq!(to_pointer(&["a/b", "c~d"]), "/a~1b/c~0d");
    }

    #[test]
    fn odd_bodies_set_nothing() {
        for text in ["\"x\"", "[1,2]", "[{\"op\":1}]", "null"] {
            let r = raw(text);
            let body = Body::of(Some(r));
            assert!(body.set_at(&["spec", ANY]).is_empty(), "{text}");
        }
        assert!(Body::of(None).set_at(&[]).is_empty());
    }
}

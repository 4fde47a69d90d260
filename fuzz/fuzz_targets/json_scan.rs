//! The engine's own scan of an event's top-level members and of arrays' elements (`sources::scan`)
//! against serde_json: what the scan accepts, serde_json accepts with the same members and spans. The scan may leave a text to
//! serde_json (escaped keys, deep nesting); it may never accept what serde_json refuses, since an event
//! that became valid would skip its error row.
#![no_main]

use blindspot_plugin::sources::json::Object;
use blindspot_plugin::sources::scan;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut elements = Vec::new();
    if scan::array(text, &mut elements) {
        let theirs: Vec<&serde_json::value::RawValue> = match serde_json::from_str(text) {
            Ok(elements) => elements,
            Err(e) => panic!("the scan accepted an array serde_json refuses ({e}): {text:?}"),
        };
        let theirs: Vec<&str> = theirs.iter().map(|r| r.get()).collect();
        assert_eq!(elements, theirs, "{text:?}");
    }
    let mut members: Vec<(&str, &str)> = Vec::new();
    if !scan::object(text, &mut members) {
        return;
    }
    let theirs: Object<'_> = match serde_json::from_str(text) {
        Ok(object) => object,
        Err(e) => panic!("the scan accepted what serde_json refuses ({e}): {text:?}"),
    };
    let theirs: Vec<(&str, &str)> = theirs.entries().map(|(k, v)| (k, v.get())).collect();
    assert_eq!(members, theirs, "{text:?}");
});

//! The configuration parser: any document is accepted or rejected with a message, never a crash.
#![no_main]

use blindspot_plugin::Engine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let mut engine = Engine::new();
        if let Err(e) = engine.configure(text) {
            assert!(!e.message.is_empty());
        }
    }
});

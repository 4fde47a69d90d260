//! What this crate takes from the harness library, in one place: the row model and its Arrow
//! encoders (so the table and the OCSF records are built by the code `blindspot replay` uses), the
//! input framing and the configuration error. When the harness moves a module, only this file changes.

pub use blindspot_host::output::Row;
pub use blindspot_host::output::ocsf;
pub use blindspot_host::output::table::{schema as table_schema, to_record_batch as table_batch};
pub use blindspot_host::replay::input;
pub use blindspot_host::runtime::detector::ConfigRejected;

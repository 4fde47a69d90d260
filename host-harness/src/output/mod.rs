//! Where replayed rows go. A [`Row`] is an enriched event (or an input that could not be read) with
//! its position; a [`RowSink`] takes rows and writes them somewhere. The enriched table ([`table`]),
//! the partitioned dataset ([`lake`]) and the OCSF findings ([`ocsf`]) are sinks, and so are the
//! combinators that drive them ([`threaded`] on a writer thread, [`fanout`] to several at once). Every
//! file an output writes appears whole or not at all ([`atomic`]). [`report`] reads outputs back.

pub mod atomic;
pub mod fanout;
pub mod lake;
pub mod ocsf;
pub mod report;
mod row;
mod sink;
pub mod table;
pub mod threaded;

pub use row::Row;
pub use sink::RowSink;

//! Family 2 on GCP, from Cloud Audit Logs: compute changed to keep agents off or blind. One module per
//! kind of change.

pub mod metadata;

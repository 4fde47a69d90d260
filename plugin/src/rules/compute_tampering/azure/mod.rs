//! Family 2 on Azure, from the Activity Log: compute changed to keep agents off or blind (extensions,
//! auto-provisioning), network controls that cut telemetry, commands run on machines, disks exported and
//! machines deleted. One module per service; the helpers come from the Azure audit-logging module.

pub mod commands;
pub mod disks;
pub mod extensions;
pub mod instances;
pub mod locations;
pub mod network;
pub mod provisioning;

pub use crate::rules::audit_logging::azure::{resource_group, subscription, with_properties};

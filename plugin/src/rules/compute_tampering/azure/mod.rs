//! Family 2 on Azure, from the Activity Log: compute changed to keep agents off or blind. One module per
//! service.

pub mod extensions;
pub mod provisioning;

//! Family 2: compute changed to keep agents off or blind (T1578 and its sub-techniques, T1562.001 for
//! agents removed, T1562.007 for egress cut).

pub mod aws;
pub mod azure;
pub mod gcp;

pub const MODIFY_COMPUTE: (&str, &str) = (
    "T1578.005",
    "Modify Cloud Compute Infrastructure: Modify Cloud Compute Configurations",
);
pub const CREATE_SNAPSHOT: (&str, &str) = (
    "T1578.001",
    "Modify Cloud Compute Infrastructure: Create Snapshot",
);
pub const CREATE_INSTANCE: (&str, &str) = (
    "T1578.002",
    "Modify Cloud Compute Infrastructure: Create Cloud Instance",
);
pub const REVERT_INSTANCE: (&str, &str) = (
    "T1578.004",
    "Modify Cloud Compute Infrastructure: Revert Cloud Instance",
);
pub const TOOLS: (&str, &str) = ("T1562.001", "Impair Defenses: Disable or Modify Tools");
pub const CLOUD_FIREWALL: (&str, &str) = (
    "T1562.007",
    "Impair Defenses: Disable or Modify Cloud Firewall",
);

//! Family 1: cloud audit and log pipelines switched off (T1562.008 and the security tools they feed).

pub mod aws;
pub mod azure;
pub mod gcp;
pub mod k8s;

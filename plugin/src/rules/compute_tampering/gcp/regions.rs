//! Family 2 on GCP, compute created where nobody watches (T1535): instances, disks, instance groups
//! and GKE clusters in a region outside the configured `gcp_used_regions`. Compute Engine names the
//! zone or region in `protoPayload.resourceName` (`projects/P/zones/us-central1-a/instances/VM`) and
//! in `resource.labels.zone`; GKE in `projects/P/locations/L/clusters/C`
//! (cloud.google.com/compute/docs/logging/audit-logging, cloud.google.com/kubernetes-engine/docs/how-to/audit-logging).

use super::project;
use crate::config::regions::gcp_region_of;
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;

declare! {
    UNUSED_REGION = {
        id: "gcp.compute.resources_in_unused_region",
        title: "Compute created in a GCP region the projects do not use",
        description: "compute.instances.insert or bulkInsert, disks.insert, instanceGroupManagers.insert (zonal or \
                      regional), instances.start, or a GKE CreateCluster/CreateNodePool in a region outside the \
                      configured gcp_used_regions (a zone counts as its region). Does nothing while gcp_used_regions \
                      is empty; Google-managed service agents (managed instance groups, GKE) are not findings, and \
                      the operation's closing entry is not reported again.",
        attack: &attack::UNUSED_REGIONS,
        severity: Severity::High,
        confidence: 65,
        trigger: Trigger::Gcp {
            // Exact names (the API versions Compute Engine and GKE log): looked up, not scanned, on every
            // GCP entry.
            methods: &[
                "v1.compute.instances.insert",
                "beta.compute.instances.insert",
                "v1.compute.instances.bulkInsert",
                "beta.compute.instances.bulkInsert",
                "v1.compute.regionInstances.bulkInsert",
                "beta.compute.regionInstances.bulkInsert",
                "v1.compute.instances.start",
                "beta.compute.instances.start",
                "v1.compute.disks.insert",
                "beta.compute.disks.insert",
                "v1.compute.regionDisks.insert",
                "beta.compute.regionDisks.insert",
                "v1.compute.instanceGroupManagers.insert",
                "beta.compute.instanceGroupManagers.insert",
                "v1.compute.regionInstanceGroupManagers.insert",
                "beta.compute.regionInstanceGroupManagers.insert",
                "google.container.v1.ClusterManager.CreateCluster",
                "google.container.v1.ClusterManager.CreateNodePool",
                "google.container.v1beta1.ClusterManager.CreateCluster",
                "google.container.v1beta1.ClusterManager.CreateNodePool",
            ],
            check: unused_region,
        },
    };
}

/// Google's own service agents act for resources someone already created (a managed instance group
/// adding instances, GKE adding nodes): the creation that matters is the one a person or workload made.
fn google_managed(principal: &str) -> bool {
    principal.ends_with("@cloudservices.gserviceaccount.com")
        || principal.ends_with("@container-engine-robot.iam.gserviceaccount.com")
        || (principal.starts_with("service-") && principal.ends_with(".iam.gserviceaccount.com"))
}

fn unused_region(entry: &Entry<'_>, env: &Env<'_>) -> Option<Detection> {
    let used = &env.config.gcp_used_regions;
    if used.is_empty() {
        return None;
    }
    // A long-running operation's closing entry carries neither request nor response.
    if entry.request().is_none() && entry.response().is_none() {
        return None;
    }
    if entry.principal_email.as_deref().is_some_and(google_managed) {
        return None;
    }
    let location = entry
        .resource_segment("zones")
        .or_else(|| entry.resource_segment("regions"))
        .or_else(|| entry.resource_segment("locations"))
        .or(entry.location.as_deref())?
        .to_owned();
    let region = gcp_region_of(&location);
    if region == "global" || used.iter().any(|r| r == region) {
        return None;
    }
    let method = entry
        .method_name
        .rsplit_once(".compute.")
        .map_or(&*entry.method_name, |(_, m)| m);
    let name = entry
        .resource_name
        .as_deref()
        .and_then(|r| r.rsplit('/').next())
        .unwrap_or("(unnamed)");
    let p = project(entry);
    let l = sh(&location);
    Some(
        Detection::new(&UNUSED_REGION)
            .reason(format!(
                "{method} created {name} in {location}, outside the regions the projects use ({}): nothing \
                 there is monitored or expected",
                used.join(", ")
            ))
            .scope(format!(
                "`gcloud compute instances list --project {p} --filter=zone:{l}` and every write by the same \
                 principal in {region}"
            ))
            .restore(format!(
                "after preserving evidence, delete what was created in {l} and restrict locations with the \
                 organisation policy constraint gcp.resourceLocations"
            )),
    )
}

#[cfg(test)]
mod tests {
    use super::google_managed;

    #[test]
    fn service_agents_are_google_managed_and_user_service_accounts_are_not() {
        assert!(google_managed(
            "123456789012@cloudservices.gserviceaccount.com"
        ));
        assert!(google_managed(
            "service-123456789012@compute-system.iam.gserviceaccount.com"
        ));
        assert!(!google_managed(
            "deployer@acme-prod-4821.iam.gserviceaccount.com"
        ));
        assert!(!google_managed("mallory@acme-corp.example"));
    }
}

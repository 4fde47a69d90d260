//! Disk, image, snapshot and machine image IAM policies: compute data shared with the public or with
//! identities outside the organization (T1537). The policy delta (`serviceData.policyDelta`) says what
//! was added; without it every member of the requested policy counts.

use super::project;
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;
use crate::sources::json::{self, Object};

declare! {
    IMAGE_SHARED = {
        id: "gcp.compute.image_shared",
        title: "Disk, image or snapshot shared",
        description: "compute.disks / images / snapshots / machineImages .setIamPolicy adding members: allUsers or \
                      allAuthenticatedUsers is critical (anyone can copy the data), a member outside the caller's \
                      domain or a service account of another project is high, other members are medium. A policy \
                      that only removes members is not a finding.",
        attack: &attack::TRANSFER_TO_CLOUD_ACCOUNT,
        severity: Severity::Medium,
        confidence: 70,
        trigger: Trigger::Gcp {
            methods: &[
                "*.compute.disks.setIamPolicy",
                "*.compute.images.setIamPolicy",
                "*.compute.snapshots.setIamPolicy",
                "*.compute.machineImages.setIamPolicy",
            ],
            check: shared,
        },
    };
}

/// Members the call added, with their role.
fn added_members(entry: &Entry<'_>) -> Vec<(String, String)> {
    if let Some(deltas) = entry.service_data().and_then(|s| {
        s.path(&["policyDelta", "bindingDeltas"])
            .and_then(json::raw_array)
    }) {
        return deltas
            .into_iter()
            .filter_map(|d| Object::from_raw(d).ok())
            .filter(|d| d.str("action").as_deref() == Some("ADD"))
            .filter_map(|d| {
                Some((
                    d.str("member")?.into_owned(),
                    d.str("role").map(|r| r.into_owned()).unwrap_or_default(),
                ))
            })
            .collect();
    }
    let bindings = entry
        .request()
        .and_then(|r| r.object("policy"))
        .and_then(|p| p.array("bindings"))
        .unwrap_or_default();
    let mut out = Vec::new();
    for binding in bindings {
        let Ok(binding) = Object::from_raw(binding) else {
            continue;
        };
        let role = binding
            .str("role")
            .map(|r| r.into_owned())
            .unwrap_or_default();
        for member in binding.array("members").unwrap_or_default() {
            if let Some(m) = json::raw_str(member) {
                out.push((m.into_owned(), role.clone()));
            }
        }
    }
    out
}

/// The domain part of a member (`user:a@x.com` → `x.com`; `domain:x.com` → `x.com`).
fn member_domain(member: &str) -> Option<&str> {
    let value = member.split_once(':').map_or(member, |(_, v)| v);
    if member.starts_with("domain:") {
        return Some(value);
    }
    value.rsplit_once('@').map(|(_, d)| d)
}

/// Whether a member is outside the caller's organization: another e-mail domain, or a service account
/// of a project other than the resource's.
fn outside(member: &str, caller: Option<&str>, project_id: Option<&str>) -> bool {
    let Some(domain) = member_domain(member) else {
        return false;
    };
    if let Some(sa_project) = domain.strip_suffix(".iam.gserviceaccount.com") {
        return project_id.is_some_and(|p| p != sa_project);
    }
    if domain.ends_with(".gserviceaccount.com") {
        return false;
    }
    let caller_domain = caller.and_then(|c| c.rsplit_once('@')).map(|(_, d)| d);
    match caller_domain {
        // A service account caller says nothing about the organization's mail domain.
        Some(c) if !c.ends_with("gserviceaccount.com") => !c.eq_ignore_ascii_case(domain),
        _ => false,
    }
}

fn shared(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let added = added_members(entry);
    if added.is_empty() {
        return None;
    }
    let project_id = entry.project();
    let caller = entry.principal_email.as_deref();
    let public: Vec<&(String, String)> = added
        .iter()
        .filter(|(m, _)| m == "allUsers" || m == "allAuthenticatedUsers")
        .collect();
    let foreign: Vec<&(String, String)> = added
        .iter()
        .filter(|(m, _)| outside(m, caller, project_id.as_deref()))
        .collect();
    let path = entry.resource_name.as_deref().unwrap_or_default();
    let (kind, collection) = ["disks", "images", "snapshots", "machineImages"]
        .iter()
        .find_map(|c| {
            entry
                .resource_segment(c)
                .map(|_| (c.trim_end_matches('s').to_owned(), *c))
        })
        .unwrap_or_else(|| ("resource".to_owned(), "resources"));
    let name = entry
        .resource_segment(collection)
        .unwrap_or(path)
        .to_owned();
    let (severity, who) = if !public.is_empty() {
        (Severity::Critical, public)
    } else if !foreign.is_empty() {
        (Severity::High, foreign)
    } else {
        (Severity::Medium, added.iter().collect())
    };
    let listed = who
        .iter()
        .map(|(m, r)| format!("{m} ({r})"))
        .collect::<Vec<_>>()
        .join(", ");
    let p = project(entry);
    let n = sh(&name);
    let (group, location) = match collection {
        "disks" => (
            "disks",
            entry.resource_segment("zones").map_or_else(
                || " --zone=<zone>".to_owned(),
                |z| format!(" --zone={}", sh(z)),
            ),
        ),
        "machineImages" => ("machine-images", String::new()),
        other => (other, String::new()),
    };
    let member = who
        .first()
        .map_or_else(|| "<member>".to_owned(), |(m, _)| sh(m));
    let role = who
        .first()
        .map_or_else(|| "<role>".to_owned(), |(_, r)| sh(r));
    Some(
        Detection::new(&IMAGE_SHARED)
            .severity(severity)
            .reason(format!(
                "{kind} {name} was shared with {listed}: {}",
                match severity {
                    Severity::Critical => "anyone can read or copy it",
                    Severity::High => "identities outside the organization can copy it",
                    _ => "new members can read or copy it",
                }
            ))
            .scope(format!(
                "`gcloud compute {group} get-iam-policy {n}{location} --project {p}` shows who can use it now"
            ))
            .restore(format!(
                "gcloud compute {group} remove-iam-policy-binding {n}{location} --member={member} --role={role} --project {p}"
            )),
    )
}

//! Resource Manager: a project or folder moved to another parent, out from under the organization's
//! aggregated sinks, audit configs and organization policies.

use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;

declare! {
    PROJECT_MOVED = {
        id: "gcp.resourcemanager.project_moved",
        title: "Project or folder moved to another parent",
        description: "Projects.MoveProject or Folders.MoveFolder (Resource Manager v3, or the bare MoveProject / \
                      MoveFolder method names): aggregated sinks, audit configs and organization policies inherited \
                      from the old parent stop applying. Medium, since reorganisations are routine; creating projects \
                      is not a finding.",
        attack: &attack::MODIFY_HIERARCHY,
        severity: Severity::Medium,
        confidence: 60,
        trigger: Trigger::Gcp {
            methods: &[
                "google.cloud.resourcemanager.v3.Projects.MoveProject",
                "google.cloud.resourcemanager.v3.Folders.MoveFolder",
                "MoveProject",
                "MoveFolder",
            ],
            check: moved,
        },
    };
}

fn moved(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let request = entry.request();
    let name = request
        .as_ref()
        .and_then(|r| r.str("name"))
        .map(|n| n.into_owned())
        .or_else(|| entry.resource_name.as_deref().map(str::to_owned))?;
    let to = request
        .as_ref()
        .and_then(|r| r.str("destinationParent"))
        .map(|p| p.into_owned());
    let to_shown = to.as_deref().unwrap_or("another parent");
    let (command, id) = match name.split_once('/') {
        Some(("folders", id)) => ("gcloud resource-manager folders move", id),
        Some((_, id)) => ("gcloud projects move", id),
        None => ("gcloud projects move", name.as_str()),
    };
    Some(
        Detection::new(&PROJECT_MOVED)
            .reason(format!(
                "{name} was moved to {to_shown}: the organization-level sinks, audit configs and policies of its \
                 old parent no longer cover it"
            ))
            .scope(format!(
                "`gcloud projects get-ancestors {}` shows where it sits now; logs exported by the old parent's \
                 aggregated sinks stop at this event's time",
                sh(id)
            ))
            .restore(format!(
                "{command} {} --organization=<previous-org> (or --folder=<previous-folder>)",
                sh(id)
            )),
    )
}

//! OS Config patch jobs that run scripts (T1651): a patch job's pre- and post-steps execute as root on
//! every instance it targets, an agent-free way to stop or reconfigure agents fleet-wide.

use super::project;
use crate::model::Severity;
use crate::rules::{Detection, Env, Trigger, attack, declare, sh};
use crate::sources::gcp_audit::Entry;

declare! {
    PATCH_JOB_SCRIPT = {
        id: "gcp.osconfig.patch_job_script",
        title: "OS Config patch job runs a script on instances",
        description: "OsConfigService.ExecutePatchJob whose patchConfig has a preStep or postStep (a script run as root \
                      on each targeted instance): medium, high when it targets every instance of the project \
                      (instanceFilter.all). Patch jobs that only patch are not findings.",
        attack: &attack::CLOUD_ADMIN_COMMAND,
        severity: Severity::Medium,
        confidence: 65,
        trigger: Trigger::Gcp {
            methods: &["google.cloud.osconfig.*.OsConfigService.ExecutePatchJob"],
            check: patch_job,
        },
    };
}

fn patch_job(entry: &Entry<'_>, _env: &Env<'_>) -> Option<Detection> {
    let request = entry.request()?;
    let config = request.object("patchConfig")?;
    let steps: Vec<&str> = ["preStep", "postStep"]
        .into_iter()
        .filter(|s| config.has(s))
        .collect();
    if steps.is_empty() {
        return None;
    }
    let all = request.object("instanceFilter").and_then(|f| f.bool("all")) == Some(true);
    let p = project(entry);
    let name = request
        .str("displayName")
        .map(|n| n.into_owned())
        .unwrap_or_else(|| "(unnamed)".to_owned());
    Some(
        Detection::new(&PATCH_JOB_SCRIPT)
            .severity(if all { Severity::High } else { Severity::Medium })
            .reason(format!(
                "patch job {name} runs {} as root on {}: the script can stop or reconfigure the agents there",
                steps.join(" and "),
                if all { "every instance of the project" } else { "the instances it targets" }
            ))
            .scope(format!(
                "`gcloud compute os-config patch-jobs list --project {p}` and `gcloud compute os-config patch-jobs \
                 list-instance-details <job> --project {p}` show where it ran"
            ))
            .restore(format!(
                "gcloud compute os-config patch-jobs cancel <job> --project {p} while it runs; then check the agents: \
                 gcloud compute instances list --project {p} --filter={}",
                sh("labels.*:*")
            )),
    )
}

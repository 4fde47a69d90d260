//! ATT&CK techniques the rules map to, in two releases. `v18` is ATT&CK v18.1, where these moves sit
//! under Defense Evasion (TA0005) as T1562.x (Impair Defenses) and T1578.x (Modify Cloud Compute
//! Infrastructure). `newer` is the later release public rule sets (SigmaHQ) already tag, where Impair
//! Defenses became a tactic of its own (Defense Impairment) with new technique ids; it is given only
//! where a public rule set shows the new id for the same behaviour.

/// One technique in one ATT&CK release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Technique {
    pub id: &'static str,
    pub name: &'static str,
    pub tactic: &'static str,
}

/// A rule's technique in ATT&CK v18 and, where known, in the newer release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attack {
    pub v18: Technique,
    pub newer: Option<Technique>,
}

/// The ATT&CK releases findings carry, for `blindspot rules` and the docs.
pub const VERSIONS: &str = "ATT&CK v18.1 (technique_id), and the newer Defense Impairment ids \
    public rule sets use (technique_id_newer) where they exist";

pub const DEFENSE_EVASION: &str = "Defense Evasion (TA0005)";
pub const DEFENSE_IMPAIRMENT: &str = "Defense Impairment";
pub const PRIVILEGE_ESCALATION: &str = "Privilege Escalation (TA0004)";
pub const EXECUTION: &str = "Execution (TA0002)";
pub const EXFILTRATION: &str = "Exfiltration (TA0010)";
pub const IMPACT: &str = "Impact (TA0040)";

const fn v18(id: &'static str, name: &'static str) -> Technique {
    Technique {
        id,
        name,
        tactic: DEFENSE_EVASION,
    }
}

const fn newer(id: &'static str, name: &'static str) -> Option<Technique> {
    Some(Technique {
        id,
        name,
        tactic: DEFENSE_IMPAIRMENT,
    })
}

pub const CLOUD_LOGS: Attack = Attack {
    v18: v18("T1562.008", "Impair Defenses: Disable or Modify Cloud Logs"),
    newer: newer("T1685.002", "Disable or Modify Cloud Logs"),
};
pub const TOOLS: Attack = Attack {
    v18: v18("T1562.001", "Impair Defenses: Disable or Modify Tools"),
    newer: newer("T1685", "Disable or Modify Tools"),
};
pub const CLOUD_FIREWALL: Attack = Attack {
    v18: v18(
        "T1562.007",
        "Impair Defenses: Disable or Modify Cloud Firewall",
    ),
    newer: newer("T1686.001", "Disable or Modify Cloud Firewall"),
};
pub const INDICATOR_BLOCKING: Attack = Attack {
    v18: v18("T1562.006", "Impair Defenses: Indicator Blocking"),
    newer: None,
};
pub const MODIFY_COMPUTE: Attack = Attack {
    v18: v18(
        "T1578.005",
        "Modify Cloud Compute Infrastructure: Modify Cloud Compute Configurations",
    ),
    newer: None,
};
pub const CREATE_SNAPSHOT: Attack = Attack {
    v18: v18(
        "T1578.001",
        "Modify Cloud Compute Infrastructure: Create Snapshot",
    ),
    newer: None,
};
pub const CREATE_INSTANCE: Attack = Attack {
    v18: v18(
        "T1578.002",
        "Modify Cloud Compute Infrastructure: Create Cloud Instance",
    ),
    newer: None,
};
pub const DELETE_INSTANCE: Attack = Attack {
    v18: v18(
        "T1578.003",
        "Modify Cloud Compute Infrastructure: Delete Cloud Instance",
    ),
    newer: None,
};
pub const REVERT_INSTANCE: Attack = Attack {
    v18: v18(
        "T1578.004",
        "Modify Cloud Compute Infrastructure: Revert Cloud Instance",
    ),
    newer: None,
};
pub const ESCAPE: Attack = Attack {
    v18: Technique {
        id: "T1611",
        name: "Escape to Host",
        tactic: PRIVILEGE_ESCALATION,
    },
    newer: None,
};
pub const DEPLOY_CONTAINER: Attack = Attack {
    v18: v18("T1610", "Deploy Container"),
    newer: None,
};
pub const CONTAINER_ADMIN: Attack = Attack {
    v18: Technique {
        id: "T1609",
        name: "Container Administration Command",
        tactic: EXECUTION,
    },
    newer: None,
};
pub const TRANSFER_TO_CLOUD_ACCOUNT: Attack = Attack {
    v18: Technique {
        id: "T1537",
        name: "Transfer Data to Cloud Account",
        tactic: EXFILTRATION,
    },
    newer: None,
};
pub const UNUSED_REGIONS: Attack = Attack {
    v18: v18("T1535", "Unused/Unsupported Cloud Regions"),
    newer: None,
};
pub const CLOUD_ADMIN_COMMAND: Attack = Attack {
    v18: Technique {
        id: "T1651",
        name: "Cloud Administration Command",
        tactic: EXECUTION,
    },
    newer: None,
};
pub const INDICATOR_REMOVAL: Attack = Attack {
    v18: v18("T1070", "Indicator Removal"),
    newer: None,
};

// Azure and GCP monitoring evasion (families 1 and 2).
pub const MODIFY_HIERARCHY: Attack = Attack {
    v18: v18("T1666", "Modify Cloud Resource Hierarchy"),
    newer: None,
};

/// Every technique pair above, for looking up the names of ids Sigma rules tag.
pub const ALL: [&Attack; 17] = [
    &CLOUD_LOGS,
    &TOOLS,
    &CLOUD_FIREWALL,
    &INDICATOR_BLOCKING,
    &MODIFY_COMPUTE,
    &CREATE_SNAPSHOT,
    &CREATE_INSTANCE,
    &DELETE_INSTANCE,
    &REVERT_INSTANCE,
    &ESCAPE,
    &DEPLOY_CONTAINER,
    &CONTAINER_ADMIN,
    &TRANSFER_TO_CLOUD_ACCOUNT,
    &UNUSED_REGIONS,
    &CLOUD_ADMIN_COMMAND,
    &INDICATOR_REMOVAL,
    &MODIFY_HIERARCHY,
];

impl Technique {
    pub fn to_ref(&self) -> crate::model::TechniqueRef {
        crate::model::TechniqueRef {
            id: self.id.to_owned(),
            name: self.name.to_owned(),
            tactic: self.tactic.to_owned(),
        }
    }
}

/// The technique pair holding `id` (case-insensitive) in either release, and whether `id` is the
/// newer release's.
pub fn lookup(id: &str) -> Option<(&'static Attack, bool)> {
    ALL.into_iter().find_map(|attack| {
        if attack.v18.id.eq_ignore_ascii_case(id) {
            Some((attack, false))
        } else if attack.newer.is_some_and(|n| n.id.eq_ignore_ascii_case(id)) {
            Some((attack, true))
        } else {
            None
        }
    })
}

/// Whether an id belongs to the newer release's Defense Impairment techniques (T1685, T1686 and
/// their sub-techniques), which ATT&CK v18 does not have.
pub fn is_defense_impairment(id: &str) -> bool {
    let id = id.to_ascii_uppercase();
    ["T1685", "T1686"]
        .iter()
        .any(|t| id == *t || id.starts_with(&format!("{t}.")))
}

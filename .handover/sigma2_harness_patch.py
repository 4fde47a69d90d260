import re, sys, os
root = sys.argv[1]  # host-harness/src
def edit(rel, pairs):
    p = os.path.join(root, rel)
    s = open(p).read()
    for old, new in pairs:
        if old not in s:
            print("MISSING in", rel, ":", old[:80]); continue
        s = s.replace(old, new, 1)
    open(p, 'w').write(s)

# detector: RuleEntry is the plugin's RuleInfo; skipped rules
edit('runtime/detector.rs', [
("""/// A rule as the loaded plugin describes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleEntry {
    pub id: String,
    pub title: String,
    pub description: String,
    pub technique_id: String,
    pub technique_name: String,
    pub tactic: String,
    pub default_severity: Severity,
    pub sources: Vec<SourceKind>,
    pub enabled: bool,
}
""", """/// A rule as the loaded plugin describes it (built-in or a loaded Sigma rule).
pub use blindspot_plugin::model::RuleInfo as RuleEntry;

/// A configured Sigma rule the plugin left out (`sigma.on_unsupported: skip-and-report`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SkippedRule {
    pub origin: String,
    pub rule: String,
    pub path: String,
    pub reason: String,
}
"""),
("""    fn rules(&mut self) -> Result<Vec<RuleEntry>>;
""", """    fn rules(&mut self) -> Result<Vec<RuleEntry>>;
    /// Configured Sigma rules left out as unsupported.
    fn skipped_rules(&mut self) -> Result<Vec<SkippedRule>> {
        Ok(Vec::new())
    }
"""),
("""    fn rules(&mut self) -> Result<Vec<RuleEntry>> {
        Ok(self
            .engine
            .rules()
            .into_iter()
            .map(|r| RuleEntry {
                id: r.id.to_owned(),
                title: r.title.to_owned(),
                description: r.description.to_owned(),
                technique_id: r.technique_id.to_owned(),
                technique_name: r.technique_name.to_owned(),
                tactic: r.tactic.to_owned(),
                default_severity: r.default_severity,
                sources: r.sources.to_vec(),
                enabled: r.enabled,
            })
            .collect())
    }""", """    fn rules(&mut self) -> Result<Vec<RuleEntry>> {
        Ok(self.engine.rules())
    }

    fn skipped_rules(&mut self) -> Result<Vec<SkippedRule>> {
        Ok(self
            .engine
            .skipped_sigma()
            .iter()
            .map(|s| SkippedRule {
                origin: s.error.origin.clone(),
                rule: s.error.rule.clone(),
                path: s.error.path.clone(),
                reason: s.error.reason.clone(),
            })
            .collect())
    }"""),
])

edit('runtime/wasm_host.rs', [
("use super::detector::{ConfigRejected, Detector, Incidents, Input, POISONOUS_EVENT, RuleEntry};",
 "use super::detector::{\n    ConfigRejected, Detector, Incidents, Input, POISONOUS_EVENT, RuleEntry, SkippedRule,\n};"),
("""                tactic: r.tactic,
                default_severity: severity_from_wit(r.default_severity),
                sources: r.sources.into_iter().map(source_from_wit).collect(),
                enabled: r.enabled,
            })
            .collect())
    }
""", """                tactic: r.tactic,
                technique_newer: r.technique_newer.map(technique_from_wit),
                default_severity: severity_from_wit(r.default_severity),
                sources: r.sources.into_iter().map(source_from_wit).collect(),
                enabled: r.enabled,
                origin: r.origin,
            })
            .collect())
    }

    fn skipped_rules(&mut self) -> Result<Vec<SkippedRule>> {
        let skipped = match self.call(|b, s| b.call_skipped_rules(s))? {
            Ok(skipped) => skipped,
            Err(failure) => bail!("listing the plugin's skipped rules: {}", failure.message),
        };
        Ok(skipped
            .into_iter()
            .map(|s| SkippedRule {
                origin: s.origin,
                rule: s.rule,
                path: s.path,
                reason: s.reason,
            })
            .collect())
    }
"""),
("""                tactic: x.tactic,
                severity: severity_from_wit(x.severity),""", """                tactic: x.tactic,
                technique_newer: x.technique_newer.map(technique_from_wit),
                severity: severity_from_wit(x.severity),"""),
("""fn event_from_wit(event: wit::EnrichedEvent) -> EnrichedEvent {""", """fn technique_from_wit(t: wit::TechniqueRef) -> model::TechniqueRef {
    model::TechniqueRef {
        id: t.id,
        name: t.name,
        tactic: t.tactic,
    }
}

fn event_from_wit(event: wit::EnrichedEvent) -> EnrichedEvent {"""),
])

edit('output/table.rs', [
("""        Field::new("tactic", DataType::Utf8, false),
        Field::new("severity", DataType::Utf8, false),""", """        Field::new("tactic", DataType::Utf8, false),
        Field::new("technique_id_newer", DataType::Utf8, true),
        Field::new("technique_name_newer", DataType::Utf8, true),
        Field::new("tactic_newer", DataType::Utf8, true),
        Field::new("severity", DataType::Utf8, false),"""),
("""    string(builder, 4, Some(&finding.tactic));
    string(builder, 5, Some(finding.severity.as_str()));
    if let Some(b) = builder.field_builder::<Int32Builder>(6) {
        b.append_value(i32::from(finding.confidence));
    }
    strings(builder, 7, &finding.reasons);
    if let Some(b) = builder.field_builder::<BooleanBuilder>(8) {
        b.append_value(finding.suppression.is_some());
    }
    string(builder, 9, finding.suppression.as_deref());
    strings(builder, 10, &finding.response);
    strings(builder, 11, &finding.related_events);""", """    string(builder, 4, Some(&finding.tactic));
    let newer = finding.technique_newer.as_ref();
    string(builder, 5, newer.map(|t| t.id.as_str()));
    string(builder, 6, newer.map(|t| t.name.as_str()));
    string(builder, 7, newer.map(|t| t.tactic.as_str()));
    string(builder, 8, Some(finding.severity.as_str()));
    if let Some(b) = builder.field_builder::<Int32Builder>(9) {
        b.append_value(i32::from(finding.confidence));
    }
    strings(builder, 10, &finding.reasons);
    if let Some(b) = builder.field_builder::<BooleanBuilder>(11) {
        b.append_value(finding.suppression.is_some());
    }
    string(builder, 12, finding.suppression.as_deref());
    strings(builder, 13, &finding.response);
    strings(builder, 14, &finding.related_events);"""),
])

edit('output/ocsf/mapping.rs', [
("""/// ATT&CK names a sub-technique `Parent: Sub` under id `T1234.001`; OCSF wants both halves.
fn attack(finding: &Finding) -> Attack {
    let tactic = tactic(&finding.tactic);
    match finding.technique_id.split_once('.') {
        Some((parent, _)) => {
            let (parent_name, sub_name) = finding
                .technique_name
                .split_once(": ")
                .unwrap_or(("", finding.technique_name.as_str()));""", """/// ATT&CK names a sub-technique `Parent: Sub` under id `T1234.001`; OCSF wants both halves.
fn attack(technique_id: &str, technique_name: &str, tactic_text: &str) -> Attack {
    let tactic = tactic(tactic_text);
    match technique_id.split_once('.') {
        Some((parent, _)) => {
            let (parent_name, sub_name) = technique_name
                .split_once(": ")
                .unwrap_or(("", technique_name));"""),
("""                sub_technique: Some(Named {
                    uid: finding.technique_id.clone(),
                    name: sub_name.to_string(),
                }),""", """                sub_technique: Some(Named {
                    uid: technique_id.to_string(),
                    name: sub_name.to_string(),
                }),"""),
("""            technique: Named {
                uid: finding.technique_id.clone(),
                name: finding.technique_name.clone(),
            },
            sub_technique: None,""", """            technique: Named {
                uid: technique_id.to_string(),
                name: technique_name.to_string(),
            },
            sub_technique: None,"""),
("""    let attack = attack(finding);""", """    let attack = attack(
        &finding.technique_id,
        &finding.technique_name,
        &finding.tactic,
    );
    // The newer ATT&CK release's id for the same behaviour, as a second entry: readers on either
    // release find the finding.
    let newer = finding
        .technique_newer
        .as_ref()
        .map(|t| self::attack(&t.id, &t.name, &t.tactic));"""),
("""            attacks: vec![attack],""", """            attacks: std::iter::once(attack).chain(newer).collect(),"""),
])

edit('cli/plugin.rs', [
("""    /// Which build of the engine runs.""", """    /// Sigma rule files, or directories whose `*.yml` / `*.yaml` files are read (not recursively);
    /// added to the configuration's `sigma.rules` with their paths as origins.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub sigma: Vec<PathBuf>,
    /// Which build of the engine runs."""),
("""    /// The configuration document for the plugin: JSON as written, or TOML converted to the same JSON.
    pub fn read_config(&self) -> Result<Option<String>> {
        let Some(path) = &self.config else {
            return Ok(None);
        };""", """    /// The configuration document for the plugin: JSON as written, or TOML converted to the same JSON,
    /// with the `--sigma` rule files added.
    pub fn read_config(&self) -> Result<Option<String>> {
        let config = self.read_config_file()?;
        if self.sigma.is_empty() {
            return Ok(config);
        }
        let files = sigma_files::read(&self.sigma).map_err(|e| usage(format!("{e:#}")))?;
        let merged = sigma_files::add_to_config(config.as_deref(), files)
            .map_err(|e| usage(format!("{e:#}")))?;
        Ok(Some(merged))
    }

    fn read_config_file(&self) -> Result<Option<String>> {
        let Some(path) = &self.config else {
            return Ok(None);
        };"""),
("""use blindspot_host::runtime::wasm_host::{self, LoadedPlugin};""", """use blindspot_host::runtime::sigma_files;
use blindspot_host::runtime::wasm_host::{self, LoadedPlugin};"""),
])

edit('cli/rules.rs', [
("""pub fn run(args: RulesArgs) -> Result<ExitCode> {
    let rules = args.plugin.detector()?.rules()?;
    let mut stdout = std::io::stdout().lock();
    if args.markdown {
        stdout.write_all(catalogue::markdown(&rules).as_bytes())?;
    } else if args.json {
        serde_json::to_writer_pretty(&mut stdout, &rules)?;
        writeln!(stdout)?;
    } else {""", """pub fn run(args: RulesArgs) -> Result<ExitCode> {
    let mut detector = args.plugin.detector()?;
    let rules = detector.rules()?;
    let skipped = detector.skipped_rules()?;
    let mut stdout = std::io::stdout().lock();
    if args.markdown {
        stdout.write_all(catalogue::markdown(&rules).as_bytes())?;
        stdout.write_all(catalogue::skipped_markdown(&skipped).as_bytes())?;
    } else if args.json {
        if skipped.is_empty() {
            serde_json::to_writer_pretty(&mut stdout, &rules)?;
        } else {
            // Rules stay a plain list (what scripts read); skipped Sigma rules need a key of their own.
            serde_json::to_writer_pretty(
                &mut stdout,
                &serde_json::json!({ "rules": rules, "skipped_sigma_rules": skipped }),
            )?;
        }
        writeln!(stdout)?;
    } else {"""),
("""                rule.title,
                if rule.enabled { "" } else { " (disabled)" }
            )?;
        }
    }""", """                rule.title,
                if rule.enabled { "" } else { " (disabled)" }
            )?;
            if rule.origin != blindspot_plugin::model::BUILT_IN {
                writeln!(stdout, "{:<44} from {}", "", rule.origin)?;
            }
        }
        for s in &skipped {
            writeln!(
                stdout,
                "skipped Sigma rule {} ({}){}: {}",
                s.rule,
                s.origin,
                if s.path.is_empty() { String::new() } else { format!(" at {}", s.path) },
                s.reason
            )?;
        }
    }"""),
])

edit('runtime/catalogue.rs', [
("""use super::detector::RuleEntry;

pub fn markdown(rules: &[RuleEntry]) -> String {""", """use blindspot_plugin::model::BUILT_IN;

use super::detector::{RuleEntry, SkippedRule};

/// The built-in catalogue, then the loaded Sigma rules in a section of their own with their origin.
pub fn markdown(all: &[RuleEntry]) -> String {
    let (rules, sigma): (Vec<&RuleEntry>, Vec<&RuleEntry>) =
        all.iter().partition(|r| r.origin == BUILT_IN);"""),
("""    for rule in rules {
        out.push_str(&format!(
            "- **`{}`** ({}, {}): {}\\n",
            rule.id,
            rule.technique_id,
            rule.tactic,
            rule.description.replace('|', "\\\\|")
        ));
    }
    out
}""", """    for rule in &rules {
        out.push_str(&format!(
            "- **`{}`** ({}, {}): {}\\n",
            rule.id,
            rule.technique_id,
            rule.tactic,
            rule.description.replace('|', "\\\\|")
        ));
    }
    if !sigma.is_empty() {
        out.push_str(
            "\\n## Sigma rules loaded\\n\\n\\
             | id | technique | default severity | sources | title | origin |\\n\\
             | --- | --- | --- | --- | --- | --- |\\n",
        );
        for rule in sigma {
            let sources: Vec<&str> = rule.sources.iter().map(|s| s.as_str()).collect();
            out.push_str(&format!(
                "| `{}` | {} {} | {} | {} | {} | {} |\\n",
                rule.id,
                rule.technique_id,
                rule.technique_name,
                rule.default_severity.as_str(),
                sources.join(", "),
                rule.title.replace('|', "\\\\|"),
                rule.origin
            ));
        }
    }
    out
}

/// Sigma rules the plugin left out, with why; empty when there are none.
pub fn skipped_markdown(skipped: &[SkippedRule]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\\n## Sigma rules skipped\\n\\n| rule | origin | where | why |\\n| --- | --- | --- | --- |\\n",
    );
    for s in skipped {
        out.push_str(&format!(
            "| {} | {} | `{}` | {} |\\n",
            s.rule.replace('|', "\\\\|"),
            s.origin,
            s.path,
            s.reason.replace('|', "\\\\|")
        ));
    }
    out
}"""),
])

edit('runtime/catalogue.rs', [
("""    for rule in rules {
        let sources""", """    for rule in &rules {
        let sources"""),
])
p = os.path.join(root, 'runtime/mod.rs')
s = open(p).read()
s = s.replace("pub mod detector;\n", "pub mod detector;\npub mod sigma_files;\n", 1)
open(p, 'w').write(s)

edit('dev/bench.rs', [
("""    pub cache_dir: Option<PathBuf>,
}""", """    pub cache_dir: Option<PathBuf>,
    /// A configuration with Sigma rules (`--sigma`): the wasm plugin is measured again with them.
    pub sigma_config: Option<String>,
}"""),
("""pub const NATIVE: &str = "engine built natively, same batches";""", """pub const NATIVE: &str = "engine built natively, same batches";
pub const WASM_SIGMA: &str = "plugin in wasmtime, Sigma rules loaded";"""),
("""    report.rates.push(best(NATIVE, &mut || {""", """    if let Some(config) = &options.sigma_config {
        let configured = || -> Result<_> {
            let mut detector = plugin.instantiate()?;
            if let Err(rejected) = detector.configure(config)? {
                bail!("the plugin refused the Sigma rules: {rejected}");
            }
            Ok(detector)
        };
        let loaded = configured()?
            .rules()?
            .iter()
            .filter(|r| r.origin != blindspot_plugin::model::BUILT_IN)
            .count();
        report.rates.push(best(WASM_SIGMA, &mut || {
            let mut detector = configured()?;
            through_detector(&mut detector, &lines, options.batch_size)
        })?);
        report
            .notes
            .push(format!("{WASM_SIGMA}: {loaded} Sigma rules beside the built-in ones"));
    }
    report.rates.push(best(NATIVE, &mut || {"""),
])

edit('cli/bench.rs', [
("""    /// Skip the Python json.loads comparison.
    #[arg(long)]
    no_python: bool,
}""", """    /// Skip the Python json.loads comparison.
    #[arg(long)]
    no_python: bool,
    /// Also measure the wasm plugin with these Sigma rules loaded (files or directories of *.yml).
    #[arg(long, value_name = "PATH", num_args = 1..)]
    sigma: Vec<PathBuf>,
}"""),
("""    let options = bench::BenchOptions {""", """    let sigma_config = match args.sigma.is_empty() {
        true => None,
        false => Some(sigma_files::add_to_config(
            None,
            sigma_files::read(&args.sigma)?,
        )?),
    };
    let options = bench::BenchOptions {
        sigma_config,"""),
("""use blindspot_host::runtime::wasm_host;""", """use blindspot_host::runtime::{sigma_files, wasm_host};"""),
])

//! `gcp_used_regions` and `azure_used_locations`: where the team works on GCP and Azure, beside
//! `aws_used_regions`. Compute created anywhere else is a finding; an empty list turns those checks off.

use super::ConfigError;

/// GCP region names as Compute Engine writes them (`us-central1`, `europe-west4`,
/// `northamerica-northeast1`), each once. A zone (`us-central1-a`) is not a region.
pub fn gcp_regions(names: Vec<String>) -> Result<Vec<String>, ConfigError> {
    for (i, name) in names.iter().enumerate() {
        let path = format!("gcp_used_regions[{i}]");
        let parts: Vec<&str> = name.split('-').collect();
        let well_formed = parts.len() == 2
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
            && parts
                .first()
                .is_some_and(|p| p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts.last().is_some_and(|p| {
                p.bytes().last().is_some_and(|b| b.is_ascii_digit())
                    && p.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
            });
        if !well_formed {
            return Err(ConfigError::at(
                path,
                format!(
                    "{name:?} is not a GCP region name (like \"us-central1\"; a zone is not a region)"
                ),
            ));
        }
        if names.get(..i).is_some_and(|before| before.contains(name)) {
            return Err(ConfigError::at(path, format!("{name:?} is listed twice")));
        }
    }
    Ok(names)
}

/// The region of a GCP zone (`us-central1-a` → `us-central1`); a region is returned as is.
pub fn gcp_region_of(location: &str) -> &str {
    match location.rsplit_once('-') {
        Some((region, zone)) if zone.len() == 1 && region.contains('-') => region,
        _ => location,
    }
}

/// Azure location names as ARM writes them (`eastus`, `westeurope`, `eastus2`), each once. Display
/// names (`East US`) are accepted and stored in that form.
pub fn azure_locations(names: Vec<String>) -> Result<Vec<String>, ConfigError> {
    let mut out: Vec<String> = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let path = format!("azure_used_locations[{i}]");
        let normal = azure_location(name);
        if normal.is_empty()
            || !normal
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            || !normal
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase())
        {
            return Err(ConfigError::at(
                path,
                format!("{name:?} is not an Azure location name (like \"eastus\")"),
            ));
        }
        if out.contains(&normal) {
            return Err(ConfigError::at(path, format!("{name:?} is listed twice")));
        }
        out.push(normal);
    }
    Ok(out)
}

/// `East US` and `eastus` are one location.
pub fn azure_location(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::Config;
    use super::gcp_region_of;

    #[test]
    fn gcp_regions_and_azure_locations_are_validated_at_their_path() {
        let config = Config::parse(
            r#"{"gcp_used_regions":["us-central1","northamerica-northeast1"],"azure_used_locations":["eastus","West Europe"]}"#,
        )
        .expect("valid");
        assert_eq!(
            config.gcp_used_regions,
            ["us-central1", "northamerica-northeast1"]
        );
        assert_eq!(config.azure_used_locations, ["eastus", "westeurope"]);
        for (doc, path) in [
            (
                r#"{"gcp_used_regions":["us-central1-a"]}"#,
                "gcp_used_regions[0]",
            ),
            (
                r#"{"gcp_used_regions":["us-east4","US-EAST4"]}"#,
                "gcp_used_regions[1]",
            ),
            (
                r#"{"gcp_used_regions":["us-east4","us-east4"]}"#,
                "gcp_used_regions[1]",
            ),
            (
                r#"{"azure_used_locations":["eastus","East US"]}"#,
                "azure_used_locations[1]",
            ),
            (
                r#"{"azure_used_locations":["east-us"]}"#,
                "azure_used_locations[0]",
            ),
            (
                r#"{"azure_used_locations":"eastus"}"#,
                "azure_used_locations",
            ),
        ] {
            let err = Config::parse(doc).expect_err(doc);
            assert_eq!(err.path, path, "{doc}: {err}");
        }
    }

    #[test]
    fn zones_belong_to_their_region() {
        assert_eq!(gcp_region_of("us-central1-a"), "us-central1");
        assert_eq!(gcp_region_of("europe-west4"), "europe-west4");
        assert_eq!(gcp_region_of("global"), "global");
    }
}

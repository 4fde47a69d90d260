//! Which inputs and outputs are object-store URLs, and CloudTrail's key layout in a bucket
//! (`AWSLogs/[o-org/]<account>/CloudTrail/<region>/YYYY/MM/DD/<file>.json.gz`, see the CloudTrail User
//! Guide, "Finding your CloudTrail log files"), so that `--since`/`--until` can select days by key. Pure
//! string work: it builds without the `object-store` feature, for local copies of the same layout.

use std::path::Path;

use chrono::NaiveDate;

/// URL schemes read and written through `object_store` (`abfs`/`adl`/`azure` are its Azure spellings).
const SCHEMES: [&str; 10] = [
    "s3", "s3a", "gs", "az", "azure", "abfs", "abfss", "adl", "https", "http",
];

/// Whether an input or output names an object-store URL rather than a local path.
pub fn is_remote(path: &Path) -> bool {
    let Some(text) = path.to_str() else {
        return false;
    };
    text.split_once("://")
        .is_some_and(|(scheme, rest)| !rest.is_empty() && SCHEMES.contains(&scheme))
}

/// The days `--since`/`--until` keep, both inclusive; an open end keeps everything on that side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DayRange {
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl DayRange {
    pub fn is_unbounded(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.since.is_none_or(|s| day >= s) && self.until.is_none_or(|u| day <= u)
    }

    /// Whether any day from `first` to `last` is kept.
    fn overlaps(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.since.is_none_or(|s| last >= s) && self.until.is_none_or(|u| first <= u)
    }
}

/// How far a key prefix has gone into CloudTrail's layout: the level its next segment belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Just after `AWSLogs/`: account ids, or an organisation id (`o-...`) for an organisation trail.
    AwsLogs,
    /// After `AWSLogs/o-xxx/`: account ids.
    Organisation,
    /// After `<account>/`: only `CloudTrail/` holds management events (not `CloudTrail-Digest/`,
    /// `CloudTrail-Insight/`).
    Account,
    /// After `CloudTrail/`: regions.
    Trail,
    /// After `<region>/`: years.
    Region,
    Year(i32),
    Month(i32, u32),
    /// A day's prefix: every object under it is that day's.
    Day(NaiveDate),
}

/// The segment an account's trail files are under.
pub const TRAIL_SEGMENT: &str = "CloudTrail";

impl Level {
    /// The level after descending into `segment`, or `None` when the segment does not belong to the
    /// layout here.
    pub fn child(self, segment: &str) -> Option<Level> {
        match self {
            Level::AwsLogs if segment.starts_with("o-") && segment.len() > 2 => {
                Some(Level::Organisation)
            }
            Level::AwsLogs | Level::Organisation if is_account(segment) => Some(Level::Account),
            Level::Account if segment == TRAIL_SEGMENT => Some(Level::Trail),
            Level::Trail if !segment.is_empty() => Some(Level::Region),
            Level::Region => number::<i32>(segment, 4).map(Level::Year),
            Level::Year(y) => number::<u32>(segment, 2)
                .filter(|m| (1..=12).contains(m))
                .map(|m| Level::Month(y, m)),
            Level::Month(y, m) => number::<u32>(segment, 2)
                .and_then(|d| NaiveDate::from_ymd_opt(y, m, d))
                .map(Level::Day),
            // Below a day (no such level in the layout, but harmless): the same day.
            Level::Day(d) => Some(Level::Day(d)),
            _ => None,
        }
    }

    /// Whether keys under this level can hold a day of `days` (prunes years and months).
    pub fn may_hold(self, days: &DayRange) -> bool {
        let span = match self {
            Level::Year(y) => {
                NaiveDate::from_ymd_opt(y, 1, 1).zip(NaiveDate::from_ymd_opt(y, 12, 31))
            }
            Level::Month(y, m) => NaiveDate::from_ymd_opt(y, m, 1).zip(last_of_month(y, m)),
            Level::Day(d) => Some((d, d)),
            _ => return true,
        };
        span.is_some_and(|(first, last)| days.overlaps(first, last))
    }
}

/// Where a key prefix (`some/where/AWSLogs/123456789012/`, read as a directory) stands in the layout:
/// `None` when it has no `AWSLogs` segment or leaves the layout after it.
pub fn prefix_level(prefix: &str) -> Option<Level> {
    let segments: Vec<&str> = prefix.split('/').filter(|s| !s.is_empty()).collect();
    let start = segments.iter().rposition(|s| *s == "AWSLogs")?;
    segments[start + 1..]
        .iter()
        .try_fold(Level::AwsLogs, |level, segment| level.child(segment))
}

/// The day of a trail file from its key or path (`.../AWSLogs/.../CloudTrail/<region>/YYYY/MM/DD/f`),
/// or `None` when it is not in the layout.
pub fn trail_day(key: &str) -> Option<NaiveDate> {
    let dir = key.rsplit_once('/').map_or("", |(dir, _)| dir);
    match prefix_level(dir)? {
        Level::Day(day) => Some(day),
        _ => None,
    }
}

fn is_account(segment: &str) -> bool {
    segment.len() == 12 && segment.bytes().all(|b| b.is_ascii_digit())
}

fn number<T: std::str::FromStr>(segment: &str, digits: usize) -> Option<T> {
    if segment.len() != digits || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    segment.parse().ok()
}

fn last_of_month(y: i32, m: u32) -> Option<NaiveDate> {
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    NaiveDate::from_ymd_opt(ny, nm, 1)?.pred_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn urls_are_told_from_paths() {
        for (text, remote) in [
            ("s3://bucket/AWSLogs/", true),
            ("gs://bucket", true),
            ("az://container/x", true),
            ("abfss://fs@account.dfs.core.windows.net/x", true),
            ("https://example.com/logs/a.json", true),
            ("testdata/aws", false),
            ("/tmp/s3:/x", false),
            ("s3://", false),
            ("ftp://host/x", false),
        ] {
            assert_eq!(is_remote(Path::new(text)), remote, "{text}");
        }
    }

    #[test]
    fn prefixes_are_placed_in_the_trail_layout() {
        assert_eq!(prefix_level("AWSLogs/"), Some(Level::AwsLogs));
        assert_eq!(prefix_level("archive/AWSLogs"), Some(Level::AwsLogs));
        assert_eq!(
            prefix_level("AWSLogs/o-exampleorgid/111122223333/"),
            Some(Level::Account)
        );
        assert_eq!(
            prefix_level("AWSLogs/111122223333/CloudTrail/us-east-1/2026/11/"),
            Some(Level::Month(2026, 11))
        );
        assert_eq!(
            prefix_level("AWSLogs/111122223333/CloudTrail-Digest/"),
            None
        );
        assert_eq!(prefix_level("AWSLogs/not-an-account/"), None);
        assert_eq!(prefix_level("logs/2026/11/"), None);
        assert_eq!(
            trail_day(
                "AWSLogs/111122223333/CloudTrail/eu-west-1/2026/02/28/111122223333_CloudTrail_eu-west-1_20260228T0000Z_a.json.gz"
            ),
            Some(day("2026-02-28"))
        );
        assert_eq!(
            trail_day("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/02/30/f.json.gz"),
            None
        );
    }

    #[test]
    fn ranges_prune_years_months_and_days_inclusively() {
        let range = DayRange {
            since: Some(day("2026-11-30")),
            until: Some(day("2026-12-01")),
        };
        assert!(Level::Year(2026).may_hold(&range));
        assert!(!Level::Year(2025).may_hold(&range));
        assert!(!Level::Month(2026, 10).may_hold(&range));
        assert!(Level::Month(2026, 11).may_hold(&range));
        assert!(Level::Month(2026, 12).may_hold(&range));
        assert!(Level::Day(day("2026-11-30")).may_hold(&range));
        assert!(Level::Day(day("2026-12-01")).may_hold(&range));
        assert!(!Level::Day(day("2026-12-02")).may_hold(&range));
        let open = DayRange {
            since: None,
            until: Some(day("2026-01-31")),
        };
        assert!(Level::Month(1999, 1).may_hold(&open));
        assert!(!Level::Month(2026, 2).may_hold(&open));
    }
}

//! What a rule's check may consult besides the event: the configuration and what the stream has
//! shown so far. Checks read it; only the engine changes it, after every rule has run on the event.

use super::memory::{Destinations, Kind};
use crate::config::Config;

pub struct Env<'a> {
    pub config: &'a Config,
    pub destinations: &'a Destinations,
}

/// Why a name counts as a log destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// The stream showed logs delivered to it (a trail's bucket, a sink's topic…).
    Stream,
    /// The configuration's `log_destinations` names it.
    Configured,
}

impl Known {
    /// The reason, as a finding says it.
    pub fn why(self) -> &'static str {
        match self {
            Known::Stream => "the stream showed logs delivered to it",
            Known::Configured => "the configuration names it a log destination (log_destinations)",
        }
    }
}

impl Env<'_> {
    /// Whether `name` is a log destination of this kind, by what the stream showed or by configuration.
    pub fn destination(&self, kind: Kind, name: &str) -> Option<Known> {
        if self.destinations.contains(kind, name) {
            return Some(Known::Stream);
        }
        let configured = &self.config.log_destinations;
        let named = match kind {
            Kind::AwsBucket => configured.aws_bucket(name),
            Kind::AwsLogGroup => configured.aws_log_group(name),
            Kind::AwsStream => configured.aws_stream(name),
            Kind::GcpSinkDestination => configured.gcp(name),
            Kind::AzureDiagnosticsDestination => configured.azure(name),
            Kind::AwsAlertRule => false,
        };
        named.then_some(Known::Configured)
    }

    pub fn is_destination(&self, kind: Kind, name: &str) -> bool {
        self.destination(kind, name).is_some()
    }
}

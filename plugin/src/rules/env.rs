//! What a rule's check may consult besides the event: the configuration and what the stream has
//! shown so far. Checks read it; only the engine changes it, after every rule has run on the event.

use super::memory::Destinations;
use crate::config::Config;

pub struct Env<'a> {
    pub config: &'a Config,
    pub destinations: &'a Destinations,
}

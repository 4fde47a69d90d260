//! Event time, not wall-clock: windows advance with the timestamps of the events themselves, so a
//! replay of last month's logs runs at full speed and gives the same findings every time.

/// The stream's watermark: the latest event time seen. Events may arrive out of order (shippers batch
/// per source and per host); an event older than the watermark by no more than the tolerance still
/// joins open windows, and windows close only once the watermark has passed their end plus the
/// tolerance. Older events are counted as late.
///
/// An event more than the reset distance behind the watermark (an hour, or twice the correlation
/// window if longer) does not read as late: it means the stream went back in time (a replay of another
/// file after this one, or one event with a bogus timestamp before it), and the watermark restarts
/// from it. Windows stay open across a reset, so an
/// outlier cannot split a sequence in two.
#[derive(Debug, Clone, Copy)]
pub struct EventClock {
    watermark: Option<i64>,
    tolerance: i64,
    reset_after: i64,
    late: u64,
    resets: u64,
}

/// The least distance behind the watermark at which the stream counts as restarted.
pub const MIN_RESET_AFTER: i64 = 3600 * 1_000_000;

/// Where an event's time falls relative to the watermark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// In order, or out of order within the tolerance.
    OnTime,
    /// Older than the watermark minus the tolerance.
    Late,
    /// So much older that the stream restarted from it (see `RESET_AFTER`).
    Reset,
    /// The event carries no usable time.
    Untimed,
}

impl EventClock {
    /// `window` is the longest correlation window: a jump back shorter than twice that is lateness.
    pub fn new(tolerance_micros: i64, window: i64) -> EventClock {
        let tolerance = tolerance_micros.max(0);
        EventClock {
            watermark: None,
            tolerance,
            reset_after: MIN_RESET_AFTER
                .max(window.saturating_mul(2))
                .max(tolerance.saturating_mul(2)),
            late: 0,
            resets: 0,
        }
    }

    pub fn watermark(&self) -> Option<i64> {
        self.watermark
    }

    pub fn tolerance(&self) -> i64 {
        self.tolerance
    }

    pub fn late(&self) -> u64 {
        self.late
    }

    pub fn resets(&self) -> u64 {
        self.resets
    }

    /// Observe one event's time.
    pub fn observe(&mut self, time: Option<i64>) -> Arrival {
        let Some(time) = time else {
            return Arrival::Untimed;
        };
        match self.watermark {
            Some(mark) if time < mark.saturating_sub(self.reset_after) => {
                self.resets += 1;
                self.watermark = Some(time);
                Arrival::Reset
            }
            Some(mark) if time < mark.saturating_sub(self.tolerance) => {
                self.late += 1;
                Arrival::Late
            }
            Some(mark) if time <= mark => Arrival::OnTime,
            _ => {
                self.watermark = Some(time);
                Arrival::OnTime
            }
        }
    }

    /// Whether a window ending at `end` can no longer receive on-time events.
    pub fn has_passed(&self, end: i64) -> bool {
        self.watermark
            .is_some_and(|mark| mark.saturating_sub(self.tolerance) > end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: i64 = 60_000_000;

    #[test]
    fn out_of_order_within_tolerance_is_on_time() {
        let mut clock = EventClock::new(5 * MINUTE, 30 * MINUTE);
        assert_eq!(clock.observe(Some(100 * MINUTE)), Arrival::OnTime);
        assert_eq!(clock.observe(Some(97 * MINUTE)), Arrival::OnTime);
        assert_eq!(clock.watermark(), Some(100 * MINUTE));
        assert_eq!(clock.observe(Some(90 * MINUTE)), Arrival::Late);
        assert_eq!(clock.late(), 1);
        assert_eq!(clock.observe(None), Arrival::Untimed);
    }

    #[test]
    fn a_jump_back_beyond_the_reset_distance_restarts_the_watermark() {
        let mut clock = EventClock::new(5 * MINUTE, 30 * MINUTE);
        clock.observe(Some(300 * MINUTE));
        // 59 minutes behind: late; 61 minutes behind: a restart.
        assert_eq!(clock.observe(Some(241 * MINUTE)), Arrival::Late);
        assert_eq!(clock.observe(Some(239 * MINUTE)), Arrival::Reset);
        assert_eq!(clock.watermark(), Some(239 * MINUTE));
        assert_eq!(clock.observe(Some(240 * MINUTE)), Arrival::OnTime);
        assert_eq!((clock.late(), clock.resets()), (1, 1));
    }

    #[test]
    fn windows_close_after_end_plus_tolerance() {
        let mut clock = EventClock::new(5 * MINUTE, 30 * MINUTE);
        clock.observe(Some(30 * MINUTE));
        assert!(!clock.has_passed(30 * MINUTE));
        clock.observe(Some(35 * MINUTE));
        assert!(!clock.has_passed(30 * MINUTE));
        clock.observe(Some(35 * MINUTE + 1));
        assert!(clock.has_passed(30 * MINUTE));
    }
}

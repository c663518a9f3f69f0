//! The per-user cap on open event streams: each open stream holds a slot until it ends.

use crate::metrics::METRICS;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Open streams per user, managed as Rocket state.
pub struct StreamSlots {
    max: usize,
    open: Arc<Mutex<HashMap<i64, usize>>>,
}

/// One open stream of a user; dropping it (the stream ended or its client left) frees it.
pub struct Slot {
    user_id: i64,
    open: Arc<Mutex<HashMap<i64, usize>>>,
}

impl StreamSlots {
    /// At most `max` open streams per user (at least one).
    #[must_use]
    pub fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            open: Arc::default(),
        }
    }

    /// The most streams one user may hold open.
    #[must_use]
    pub fn max(&self) -> usize {
        self.max
    }

    /// A slot for one more stream of `user_id`, unless they hold the maximum already.
    #[must_use]
    pub fn take(&self, user_id: i64) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let count = open.entry(user_id).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        METRICS.event_streams.inc();
        Some(Slot {
            user_id,
            open: Arc::clone(&self.open),
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        METRICS.event_streams.dec();
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.user_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_counted_per_user_and_freed_on_drop() {
        let slots = StreamSlots::new(2);
        let first = slots.take(1).unwrap();
        let _second = slots.take(1).unwrap();
        assert!(slots.take(1).is_none());
        assert!(slots.take(2).is_some());
        drop(first);
        assert!(slots.take(1).is_some());
    }
}

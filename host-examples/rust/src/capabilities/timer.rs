//! The `timer` import: the client's back-off between retries.

use std::time::Duration;

/// Blocks the calling thread; the component uses it only between retries.
pub trait Timer: Send + Sync {
    fn sleep(&self, ms: u32);
}

/// `std::thread::sleep`, capped: `sleep` takes a `u32` of milliseconds (up to 49 days), and a
/// plugin must not be able to park the host for that long.
#[derive(Debug, Clone, Copy)]
pub struct ThreadSleep {
    pub max: Duration,
}

impl ThreadSleep {
    /// The default cap: one minute per wait.
    pub const DEFAULT_MAX: Duration = Duration::from_secs(60);
}

impl Default for ThreadSleep {
    fn default() -> Self {
        ThreadSleep { max: Self::DEFAULT_MAX }
    }
}

impl Timer for ThreadSleep {
    fn sleep(&self, ms: u32) {
        std::thread::sleep(Duration::from_millis(ms.into()).min(self.max));
    }
}

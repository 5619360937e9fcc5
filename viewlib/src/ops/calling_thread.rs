//! Running kernels on the calling thread: a scoped switch the kernels' parallel cut-off reads,
//! for callers that are already one of many workers (a Python thread at `set_num_threads(1)`,
//! a server's request handler) and for whom a hand-off to rayon's pool costs more than the
//! kernel.

use std::cell::Cell;

thread_local! {
    /// How many [`on_this_thread`] calls this thread is inside (they nest).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Runs `work` with every viewlib kernel it calls running on this thread, whatever the size
/// of the view: nothing is handed to rayon's pool, as if the pool had one thread. Without it a
/// kernel on a view of [`PARALLEL_MIN_BYTES`](crate::ops::PARALLEL_MIN_BYTES) or more runs on
/// the current rayon pool (the global one outside any pool), which costs a hand-off of about
/// 10 µs on a 2-core machine even when that pool has one thread.
///
/// The switch belongs to this thread only and ends when `work` returns or panics; calls nest.
/// Work that `work` itself hands to rayon (`rayon::join`, parallel iterators) still runs on
/// the pool, where viewlib's kernels split as usual.
///
/// ```
/// use viewlib::ViewMut;
/// let mut px = vec![7u8; 1024 * 1024 * 3];
/// let image = ViewMut::from_slice(&mut px, [1024, 1024, 3])?;
/// // 3 MiB, above the cut-off, yet inverted without leaving this thread.
/// viewlib::ops::on_this_thread(|| image.invert_samples_in_place());
/// assert!(px.iter().all(|&v| v == 248));
/// # Ok::<(), viewlib::ViewError>(())
/// ```
pub fn on_this_thread<R>(work: impl FnOnce() -> R) -> R {
    /// Leaves the switch on the way out, also when `work` panics.
    struct Leave;
    impl Drop for Leave {
        fn drop(&mut self) {
            DEPTH.with(|d| d.set(d.get() - 1));
        }
    }
    DEPTH.with(|d| d.set(d.get().saturating_add(1)));
    let _leave = Leave;
    work()
}

/// The threads a kernel may split its work over here: one inside [`on_this_thread`], else the
/// current rayon pool's.
pub(crate) fn threads() -> usize {
    if DEPTH.with(Cell::get) > 0 {
        1
    } else {
        rayon::current_num_threads()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_nests_and_ends_on_panic() {
        let outside = threads();
        on_this_thread(|| {
            assert_eq!(threads(), 1);
            on_this_thread(|| assert_eq!(threads(), 1));
            assert_eq!(threads(), 1);
        });
        assert_eq!(threads(), outside);
        let panicked = std::panic::catch_unwind(|| on_this_thread(|| panic!("in work")));
        assert!(panicked.is_err());
        assert_eq!(threads(), outside);
    }

    #[test]
    fn other_threads_are_not_switched() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        on_this_thread(|| {
            assert_eq!(pool.install(threads), 2);
        });
    }
}

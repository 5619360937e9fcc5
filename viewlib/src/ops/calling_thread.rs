//! Where a kernel's pieces run: a scoped switch per thread, which the kernels' parallel
//! cut-off reads. On the calling thread alone ([`on_this_thread`]), for callers that are
//! already one of many workers (a Python thread at `set_num_threads(1)`, a server's request
//! handler), for whom a hand-off costs more than the kernel; or on the calling thread and a
//! given pool's threads together ([`on_this_thread_and`]), for a binding that keeps a pool of
//! its own (Python's `set_num_threads(n)`).

use rayon::ThreadPool;
use std::cell::{Cell, RefCell};
use std::sync::Arc;

thread_local! {
    /// How many [`on_this_thread`] calls this thread is inside (they nest).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// The pool of the innermost [`on_this_thread_and`] this thread is inside.
    static HELPERS: RefCell<Option<Arc<ThreadPool>>> = const { RefCell::new(None) };
}

/// Where a kernel called on this thread runs its pieces.
pub(crate) enum Place {
    /// On this thread alone.
    ThisThread,
    /// On the pool this thread is a worker of, by rayon's work stealing.
    Worker,
    /// On this thread and the threads of a pool (`None`: rayon's global pool), `threads` in
    /// all: outside any pool, or anywhere inside [`on_this_thread_and`] (on a worker of some
    /// pool, the wait at the end runs that pool's other jobs meanwhile, as rayon's waits do).
    WithHelpers(Option<Arc<ThreadPool>>, usize),
}

/// Where a kernel called here runs: see [`Place`].
pub(crate) fn place() -> Place {
    if DEPTH.with(Cell::get) > 0 {
        return Place::ThisThread;
    }
    let helpers = HELPERS.with(|h| h.borrow().clone());
    let threads = match &helpers {
        Some(pool) => pool.current_num_threads(),
        None if rayon::current_thread_index().is_some() => {
            return if rayon::current_num_threads() > 1 {
                Place::Worker
            } else {
                Place::ThisThread
            };
        }
        None => rayon::current_num_threads(),
    };
    if threads > 1 {
        Place::WithHelpers(helpers, threads)
    } else {
        Place::ThisThread
    }
}

/// Runs `work` with every viewlib kernel it calls running on this thread, whatever the size
/// of the view: nothing is handed to rayon's pool, as if the pool had one thread. Without it a
/// kernel on a view of [`PARALLEL_MIN_BYTES`](crate::ops::PARALLEL_MIN_BYTES) or more shares
/// its pieces with the current rayon pool's threads (the global pool's outside any pool),
/// which costs a wake-up and a wait for them.
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

/// Runs `work` with every viewlib kernel it calls on this thread splitting its pieces between
/// this thread and the threads of `pool`, as many in all as `pool` has: this thread takes
/// pieces as the pool's threads do, so a kernel starts at once rather than waiting for a
/// sleeping pool thread to wake, and this thread does not sleep while there is work left.
/// A kernel returns once the pool threads it asked to help are done, also one that woke
/// after every piece was taken.
/// (A kernel called from outside any pool without this does the same with rayon's global
/// pool; one called on a pool's worker thread splits among that pool's workers.)
///
/// For a binding or a server that keeps a pool of its own, as viewlib's Python module does
/// for `set_num_threads(n)`: on a 2-core VM, handing each call to the pool with
/// [`ThreadPool::install`] cost about 40-100 µs of wake-ups a call (a worker's, then the
/// caller's), which made a 1080p kernel no faster on two threads than on one.
///
/// The switch belongs to this thread only and ends when `work` returns or panics; calls nest
/// (the innermost pool is used), and [`on_this_thread`] wins whichever of the two is inside
/// the other.
///
/// ```
/// use std::sync::Arc;
/// use viewlib::ViewMut;
/// let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build()?);
/// let mut px = vec![7u8; 1024 * 1024 * 3];
/// let image = ViewMut::from_slice(&mut px, [1024, 1024, 3])?;
/// viewlib::ops::on_this_thread_and(&pool, || image.invert_samples_in_place());
/// assert!(px.iter().all(|&v| v == 248));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn on_this_thread_and<R>(pool: &Arc<ThreadPool>, work: impl FnOnce() -> R) -> R {
    /// Puts back the pool this thread had before, also when `work` panics.
    struct Restore(Option<Arc<ThreadPool>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let before = self.0.take();
            HELPERS.with(|h| *h.borrow_mut() = before);
        }
    }
    let before = HELPERS.with(|h| h.borrow_mut().replace(Arc::clone(pool)));
    let _restore = Restore(before);
    work()
}

/// The threads a kernel may split its work over here: one inside [`on_this_thread`], the
/// pool's inside [`on_this_thread_and`], else the current rayon pool's.
pub(crate) fn threads() -> usize {
    match place() {
        Place::ThisThread => 1,
        Place::Worker => rayon::current_num_threads(),
        Place::WithHelpers(_, threads) => threads,
    }
}

/// Runs `work`, whose own rayon calls (parallel iterators, `join`) are sized by
/// [`threads`], on the pool `threads` counts: inside the pool of an enclosing
/// [`on_this_thread_and`] (handed to it with `install`), elsewhere where it is.
pub(crate) fn in_threads_pool<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    match place() {
        Place::WithHelpers(Some(pool), _) => pool.install(work),
        _ => work(),
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

    #[test]
    fn a_pool_of_helpers_nests_yields_to_this_thread_and_ends_on_panic() {
        let pool = |n| {
            Arc::new(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .unwrap(),
            )
        };
        let (three, five) = (pool(3), pool(5));
        let outside = threads();
        on_this_thread_and(&three, || {
            assert_eq!(threads(), 3);
            on_this_thread_and(&five, || assert_eq!(threads(), 5));
            assert_eq!(threads(), 3);
            on_this_thread(|| assert_eq!(threads(), 1));
            // The pool's own workers split among themselves.
            assert_eq!(three.install(threads), 3);
        });
        assert_eq!(threads(), outside);
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            on_this_thread_and(&five, || panic!("in work"))
        }));
        assert!(panicked.is_err());
        assert_eq!(threads(), outside);
        // A pool of one: this thread alone.
        on_this_thread_and(&pool(1), || assert!(matches!(place(), Place::ThisThread)));
    }

    #[test]
    fn work_sized_by_threads_runs_on_the_pool_threads_counts() {
        let three = Arc::new(
            rayon::ThreadPoolBuilder::new()
                .num_threads(3)
                .build()
                .unwrap(),
        );
        // Inside `on_this_thread_and`: on that pool, whose workers count its threads.
        let inside = on_this_thread_and(&three, || {
            in_threads_pool(|| (rayon::current_num_threads(), threads()))
        });
        assert_eq!(inside, (3, 3));
        // Elsewhere: where it is.
        let here = std::thread::current().id();
        assert_eq!(in_threads_pool(|| std::thread::current().id()), here);
        on_this_thread(|| assert_eq!(in_threads_pool(threads), 1));
    }
}

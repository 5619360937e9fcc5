//! The threads kernels run on: a rayon pool of the module's own, sized by
//! `viewlib.set_num_threads(n)` (as `cv2.setNumThreads` sizes OpenCV's), read by
//! `viewlib.get_num_threads()`.
//!
//! Work too small to be split ([`PARALLEL_MIN_BYTES`], below which viewlib's kernels run on
//! the calling thread anyway) runs on the calling thread without looking at the pool, so a
//! small call costs what it cost before. So does any kernel when the pool has one thread
//! (`set_num_threads(1)`), inside [`on_this_thread`]: handing it to a one-thread pool would
//! cost about 10 µs a call and gain nothing, and OpenCV at one thread does not pay it either.
//! Larger work on a larger pool runs on the calling thread and the pool's threads together
//! ([`on_this_thread_and`]): the calling thread starts on the first piece at once and the
//! pool's threads take pieces as they wake. Handing the call to the pool instead
//! ([`ThreadPool::install`]) cost two wake-ups a call, a worker's and then the caller's, of
//! 40-100 µs each on a 2-core VM: a 1080p kernel was no faster on two threads than on one.
//!
//! The pool is built on first use, with rayon's default size (`RAYON_NUM_THREADS`, else
//! the machine's cores), and replaced by `set_num_threads`; a call running meanwhile
//! finishes on the pool it started on (it holds an `Arc` of it). A process forked from this
//! one has the pool's memory but none of its threads: it builds a pool of its own.

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, Mutex, MutexGuard};
use viewlib::ops::{PARALLEL_MIN_BYTES, on_this_thread, on_this_thread_and};

/// The pool, the size asked for (0: the default) and the process that built it.
struct Pool {
    pool: Arc<ThreadPool>,
    threads: usize,
    pid: u32,
}

/// `None` until first used.
static POOL: Mutex<Option<Pool>> = Mutex::new(None);

fn lock() -> MutexGuard<'static, Option<Pool>> {
    // Nothing panics while the lock is held; if something did, the pool is still whole.
    POOL.lock().unwrap_or_else(|e| e.into_inner())
}

/// A pool of `threads` threads (0: rayon's default), its threads named `viewlib-N` (as
/// `ps -L` and `/proc/PID/task/*/comm` show them).
fn build(threads: usize) -> PyResult<Pool> {
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("viewlib-{i}"))
        .build()
        .map_err(|e| {
            PyRuntimeError::new_err(format!("cannot start a pool of {threads} thread(s): {e}"))
        })?;
    Ok(Pool {
        pool: Arc::new(pool),
        threads,
        pid: std::process::id(),
    })
}

/// The pool, built if this process has none yet.
fn pool() -> PyResult<Arc<ThreadPool>> {
    let mut slot = lock();
    let pid = std::process::id();
    match slot.as_ref() {
        Some(current) if current.pid == pid => Ok(current.pool.clone()),
        // None yet, or one inherited through `fork`: a pool of the size asked for.
        other => {
            let fresh = build(other.map_or(0, |inherited| inherited.threads))?;
            let pool = fresh.pool.clone();
            retire(slot.replace(fresh));
            Ok(pool)
        }
    }
}

/// Lets go of a replaced pool: its threads stop once the calls running on it (if any)
/// return. A pool inherited through `fork` has no threads here and its locks may have been
/// held by them when the process forked: it is left alone, not dropped.
fn retire(old: Option<Pool>) {
    if let Some(old) = old
        && old.pid != std::process::id()
    {
        std::mem::forget(old);
    }
}

/// Runs `work`, which touches about `bytes` bytes: on this thread if that is too little for
/// viewlib to split or the pool has one thread, otherwise on this thread and the module's
/// pool's threads together. Called without the GIL.
pub fn run<R: Send>(bytes: usize, work: impl FnOnce() -> R + Send) -> PyResult<R> {
    if bytes < PARALLEL_MIN_BYTES {
        return Ok(work());
    }
    let pool = pool()?;
    if pool.current_num_threads() == 1 {
        return Ok(on_this_thread(work));
    }
    Ok(on_this_thread_and(&pool, work))
}

/// Runs `work` inside the module's pool, whatever its size: for whole-file work (decoding,
/// `process_file`) whose parallel parts cannot be sized from outside. Called without the
/// GIL.
pub fn run_in_pool<R: Send>(work: impl FnOnce() -> R + Send) -> PyResult<R> {
    Ok(pool()?.install(work))
}

/// Sets how many threads viewlib's kernels use, like `cv2.setNumThreads`: `n` threads from
/// the next call on (1 runs every kernel on one thread); `n=0` restores the default
/// (`RAYON_NUM_THREADS` if set, else one per core). The setting holds for the whole process
/// until changed. A negative `n`, or more than rayon's limit, is a `ValueError`.
#[pyfunction]
pub fn set_num_threads(py: Python<'_>, n: i64) -> PyResult<()> {
    let max = rayon::max_num_threads();
    let threads = usize::try_from(n)
        .ok()
        .filter(|&t| t <= max)
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "n must be 0 (the default: RAYON_NUM_THREADS or one per core) to {max}, not {n}"
            ))
        })?;
    // Starting threads can take a while on a loaded machine: without the GIL.
    let fresh = py.detach(|| build(threads))?;
    let old = lock().replace(fresh);
    retire(old);
    Ok(())
}

/// How many threads viewlib's kernels use: what `set_num_threads` set, else the default
/// (`RAYON_NUM_THREADS` if set, else one per core).
#[pyfunction]
pub fn get_num_threads(py: Python<'_>) -> PyResult<usize> {
    let pool = py.detach(pool)?;
    // Asked inside the pool, as a kernel would ask it.
    Ok(pool.install(rayon::current_num_threads))
}

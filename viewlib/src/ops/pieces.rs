//! Pieces of a view handed out one at a time, front first, to whichever thread asks next:
//! how a calling thread and a pool's threads share a kernel's work (see
//! [`on_this_thread_and`](crate::ops::on_this_thread_and)). The calling thread starts on the
//! first piece at once; a pool thread joins when it wakes and takes what is left, so a slow
//! wake-up costs that thread's share, never the whole call's start.

use crate::split::Splittable;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// What is left of a view, cut into pieces of about `piece_bytes` on demand.
pub(crate) struct Pieces<V> {
    rest: Mutex<Option<V>>,
    /// Pieces taken and not yet finished.
    in_flight: AtomicUsize,
    granule: usize,
    piece_bytes: usize,
}

impl<V: Splittable> Pieces<V> {
    /// `view`, to be cut along axis 0, or along axis 1 at multiples of `granule` once axis 0
    /// is down to one element (`granule == 0`: never axis 1).
    pub(crate) fn new(view: V, granule: usize, piece_bytes: usize) -> Self {
        Pieces {
            rest: Mutex::new(Some(view)),
            in_flight: AtomicUsize::new(0),
            granule,
            piece_bytes: piece_bytes.max(1),
        }
    }

    /// Runs `work` on pieces until none is left.
    pub(crate) fn work_through(&self, work: &impl Fn(V)) {
        /// Counts the piece finished even if `work` panics, so no thread waits on it.
        struct Finished<'a>(&'a AtomicUsize);
        impl Drop for Finished<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Release);
            }
        }
        while let Some(piece) = self.next() {
            let _finished = Finished(&self.in_flight);
            work(piece);
        }
    }

    /// Waits, spinning a little, for the pieces other threads are still working on: a piece
    /// takes tens of microseconds, less than a sleeping thread takes to be woken on a VM.
    /// Gives up after about `spins` rounds (the caller's scope then waits by sleeping).
    pub(crate) fn wait_for_others(&self, spins: u32) {
        for _ in 0..spins {
            if self.in_flight.load(Ordering::Acquire) == 0 {
                return;
            }
            std::hint::spin_loop();
        }
    }

    /// The next piece off the front, or `None` when all have been taken.
    fn next(&self) -> Option<V> {
        let mut rest = self.rest.lock().unwrap_or_else(PoisonError::into_inner);
        let view = rest.take()?;
        let (piece, remainder) = cut_front(view, self.granule, self.piece_bytes);
        *rest = remainder;
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Some(piece)
    }
}

/// Cuts about `piece_bytes` off the front of `view`: whole elements of axis 0, or, when
/// axis 0 has one element, whole `granule`s of axis 1. The whole view when it is that small
/// or cannot be cut.
fn cut_front<V: Splittable>(view: V, granule: usize, piece_bytes: usize) -> (V, Option<V>) {
    let bytes = view.byte_len();
    if bytes <= piece_bytes {
        return (view, None);
    }
    let rows = view.axis_len(0);
    let (axis, units, unit) = if rows >= 2 {
        (0, rows, 1)
    } else {
        match view.axis_len(1).checked_div(granule) {
            Some(units) => (1, units, granule),
            None => return (view, None),
        }
    };
    // At least one unit a piece; `bytes / units` is a unit's bytes (units > 0: bytes > 0).
    let take = match bytes.checked_div(units) {
        Some(unit_bytes) => (piece_bytes / unit_bytes.max(1)).max(1),
        None => return (view, None),
    };
    if take >= units {
        return (view, None);
    }
    match view.split_parts(axis, take * unit) {
        Ok((front, rest)) => (front, Some(rest)),
        Err(_) => unreachable!("a cut inside the axis"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{View, ViewMut};

    fn cuts(shape: [usize; 3], granule: usize, piece_bytes: usize) -> Vec<[usize; 3]> {
        let px = vec![0u8; shape.iter().product()];
        let pieces = Pieces::new(View::from_slice(&px, shape).unwrap(), granule, piece_bytes);
        let mut shapes = Vec::new();
        while let Some(piece) = pieces.next() {
            shapes.push(piece.shape());
        }
        shapes
    }

    #[test]
    fn pieces_are_whole_rows_or_whole_granules_in_order() {
        // 10 rows of 12 bytes, pieces of about 30 bytes: 2 rows each.
        assert_eq!(cuts([10, 4, 3], 3, 30), vec![[2, 4, 3]; 5]);
        // A row larger than a piece: one row each.
        assert_eq!(cuts([3, 4, 3], 3, 5), vec![[1, 4, 3]; 3]);
        // One row: cut along axis 1, whole granules (here single pixels of 3 bytes).
        assert_eq!(cuts([1, 4, 3], 1, 6), vec![[1, 2, 3], [1, 2, 3]]);
        // One row, granule 0: never cut.
        assert_eq!(cuts([1, 4, 3], 0, 6), vec![[1, 4, 3]]);
        // Small enough: whole.
        assert_eq!(cuts([2, 2, 2], 1, 100), vec![[2, 2, 2]]);
        // Uneven: the last piece is what is left.
        assert_eq!(cuts([5, 1, 1], 1, 2), vec![[2, 1, 1], [2, 1, 1], [1, 1, 1]]);
    }

    #[test]
    fn threads_sharing_the_pieces_cover_every_element_once() {
        let mut px = vec![0u8; 97 * 13 * 3];
        let view = ViewMut::from_slice(&mut px, [97, 13, 3]).unwrap();
        let pieces = Pieces::new(view, 3, 100);
        let work = |mut piece: ViewMut<'_, u8, 3>| piece.iter_mut().for_each(|v| *v += 1);
        std::thread::scope(|s| {
            for _ in 0..3 {
                s.spawn(|| pieces.work_through(&work));
            }
            pieces.work_through(&work);
        });
        pieces.wait_for_others(1);
        assert_eq!(pieces.in_flight.load(Ordering::Relaxed), 0);
        assert!(px.iter().all(|&v| v == 1));
    }
}

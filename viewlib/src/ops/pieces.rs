//! Pieces of a view handed out one at a time to whichever thread asks next: how a calling
//! thread and a pool's threads share a kernel's work (see
//! [`on_this_thread_and`](crate::ops::on_this_thread_and)). The view is cut into one
//! contiguous share per thread; each thread takes pieces off the front of its own share, so
//! it streams through memory as one thread alone would, and a thread whose share is done
//! takes pieces off the back of the largest share left. The calling thread starts at once; a
//! pool thread that wakes late finds its share eaten from the back, so a slow wake-up costs
//! that thread's part, never the whole call's start.

use crate::split::Splittable;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// What is left of a view's shares, cut into pieces on demand: whole rows (elements of axis
/// 0) of about `piece_bytes` together, one row when a row is larger, and a last row cut
/// along axis 1.
pub(crate) struct Pieces<V> {
    /// What is left of each share, a contiguous part of the view (`None`: all taken).
    shares: Mutex<Vec<Option<V>>>,
    /// How many threads have asked for a share: the next one gets this one (modulo).
    arrivals: AtomicUsize,
    /// Pieces taken and not yet finished.
    in_flight: AtomicUsize,
    granule: usize,
    piece_bytes: usize,
}

/// Which end of a view a piece is cut from.
#[derive(Clone, Copy)]
enum End {
    Front,
    Back,
}

impl<V: Splittable> Pieces<V> {
    /// `view` in `shares` shares of about equal bytes, to be cut along axis 0, or along axis 1
    /// at multiples of `granule` once axis 0 is down to one element (`granule == 0`: never
    /// axis 1).
    pub(crate) fn new(view: V, shares: usize, granule: usize, piece_bytes: usize) -> Self {
        let shares = shares.max(1);
        let share_bytes = view.byte_len().div_ceil(shares);
        let mut parts = Vec::with_capacity(shares);
        let mut rest = Some(view);
        while parts.len() + 1 < shares
            && let Some(view) = rest.take()
        {
            let (share, after) = cut(view, End::Front, granule, share_bytes);
            parts.push(Some(share));
            rest = after;
        }
        parts.extend(rest.map(Some));
        Pieces {
            shares: Mutex::new(parts),
            arrivals: AtomicUsize::new(0),
            in_flight: AtomicUsize::new(0),
            granule,
            piece_bytes: piece_bytes.max(1),
        }
    }

    /// How many shares the view was cut into: fewer than asked for when it has fewer places
    /// to cut (one for a view that cannot be cut), so no more threads are asked to help than
    /// can find work.
    pub(crate) fn shares(&self) -> usize {
        self.shares
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Takes a share and runs `work` on pieces until none is left anywhere.
    pub(crate) fn work_through(&self, work: &impl Fn(V)) {
        /// Counts the piece finished even if `work` panics, so no thread waits on it.
        struct Finished<'a>(&'a AtomicUsize);
        impl Drop for Finished<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::Release);
            }
        }
        let own = self.arrivals.fetch_add(1, Ordering::Relaxed);
        while let Some(piece) = self.next(own) {
            let _finished = Finished(&self.in_flight);
            work(piece);
        }
    }

    /// Waits, spinning, for the pieces other threads are still working on: a piece takes
    /// tens of microseconds, about what a sleeping thread takes to be woken on a VM. Gives up
    /// after `at_most` (the caller's scope then waits by sleeping).
    pub(crate) fn wait_for_others(&self, at_most: Duration) {
        let start = Instant::now();
        while self.in_flight.load(Ordering::Acquire) > 0 && start.elapsed() < at_most {
            // A `pause` is 25 ns on an AMD EPYC, about 40 ns on recent Intel cores.
            for _ in 0..32 {
                std::hint::spin_loop();
            }
        }
    }

    /// The next piece for the thread that took share `own` (modulo the shares): off the
    /// front of that share, else off the back of the largest share left; `None` when all
    /// have been taken.
    fn next(&self, own: usize) -> Option<V> {
        let mut shares = self.shares.lock().unwrap_or_else(PoisonError::into_inner);
        let own = own % shares.len();
        let (index, end) = if shares[own].is_some() {
            (own, End::Front)
        } else {
            let largest = shares
                .iter()
                .enumerate()
                .filter_map(|(i, share)| share.as_ref().map(|v| (i, v.byte_len())))
                .max_by_key(|&(_, bytes)| bytes)?;
            (largest.0, End::Back)
        };
        let view = shares[index].take()?;
        let (piece, rest) = cut(view, end, self.granule, self.piece_bytes);
        shares[index] = rest;
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        Some(piece)
    }
}

/// Where `view` may be cut, as `(axis, units, unit)`: between any two of the `units` elements
/// of axis 0 (`unit` 1) while it has two or more, else between whole `granule`s of axis 1
/// (`units` of `unit = granule` elements); `None` for a single row with `granule == 0`.
pub(crate) fn cut_axis<V: Splittable>(view: &V, granule: usize) -> Option<(usize, usize, usize)> {
    let rows = view.axis_len(0);
    if rows >= 2 {
        return Some((0, rows, 1));
    }
    let units = view.axis_len(1).checked_div(granule)?;
    Some((1, units, granule))
}

/// Cuts about `bytes` off `end` of `view`: whole elements of axis 0, or, when axis 0 has one
/// element, whole `granule`s of axis 1. Returns the piece and what is left: the whole view
/// and nothing when it is that small or cannot be cut.
fn cut<V: Splittable>(view: V, end: End, granule: usize, bytes: usize) -> (V, Option<V>) {
    let total = view.byte_len();
    if total <= bytes {
        return (view, None);
    }
    let Some((axis, units, unit)) = cut_axis(&view, granule) else {
        return (view, None);
    };
    // At least one unit a piece; `total / units` is a unit's bytes.
    let take = match total.checked_div(units) {
        Some(unit_bytes) => (bytes / unit_bytes.max(1)).max(1),
        None => return (view, None),
    };
    if take >= units {
        return (view, None);
    }
    let at = match end {
        End::Front => take,
        End::Back => units - take,
    };
    match (view.split_parts(axis, at * unit), end) {
        (Ok((front, back)), End::Front) => (front, Some(back)),
        (Ok((front, back)), End::Back) => (back, Some(front)),
        (Err(_), _) => unreachable!("a cut inside the axis"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{View, ViewMut};

    /// The pieces one thread gets, with `shares` shares: their first rows and shapes.
    fn taken(
        shape: [usize; 3],
        shares: usize,
        granule: usize,
        piece_bytes: usize,
    ) -> Vec<(u8, [usize; 3])> {
        // Each element holds its row (or, in a single row, its column): where a piece starts.
        let px: Vec<u8> = (0..shape.iter().product::<usize>())
            .map(|i| if shape[0] > 1 { i / (shape[1] * shape[2]) } else { i / shape[2] } as u8)
            .collect();
        let pieces = Pieces::new(
            View::from_slice(&px, shape).unwrap(),
            shares,
            granule,
            piece_bytes,
        );
        let mut got = Vec::new();
        while let Some(piece) = pieces.next(0) {
            got.push((piece.get([0, 0, 0]).unwrap(), piece.shape()));
        }
        got
    }

    #[test]
    fn pieces_are_whole_rows_or_whole_granules_in_order() {
        // 10 rows of 12 bytes, pieces of about 30 bytes: 2 rows each.
        let rows = |r: &[u8], shape| r.iter().map(|&r| (r, shape)).collect::<Vec<_>>();
        assert_eq!(
            taken([10, 4, 3], 1, 3, 30),
            rows(&[0, 2, 4, 6, 8], [2, 4, 3])
        );
        // A row larger than a piece: one row each.
        assert_eq!(taken([3, 4, 3], 1, 3, 5), rows(&[0, 1, 2], [1, 4, 3]));
        // One row: cut along axis 1, whole granules (here single pixels of 3 bytes).
        assert_eq!(taken([1, 4, 3], 1, 1, 6), rows(&[0, 2], [1, 2, 3]));
        // One row, granule 0: never cut.
        assert_eq!(taken([1, 4, 3], 1, 0, 6), rows(&[0], [1, 4, 3]));
        // Small enough: whole.
        assert_eq!(taken([2, 2, 2], 1, 1, 100), rows(&[0], [2, 2, 2]));
        // Uneven: the last piece is what is left.
        assert_eq!(
            taken([5, 1, 1], 1, 1, 2),
            vec![(0, [2, 1, 1]), (2, [2, 1, 1]), (4, [1, 1, 1])]
        );
    }

    #[test]
    fn a_thread_done_with_its_share_takes_the_back_of_the_largest_left() {
        // 12 rows in 3 shares of 4; one thread alone, pieces of 2 rows: its own share front
        // first, then always the back of the largest share left (of equal ones, the last).
        let got: Vec<u8> = taken([12, 1, 1], 3, 1, 2)
            .iter()
            .map(|&(row, _)| row)
            .collect();
        assert_eq!(got, [0, 2, 10, 6, 8, 4]);
        // One share: front to back.
        let got: Vec<u8> = taken([12, 1, 1], 1, 1, 4)
            .iter()
            .map(|&(row, _)| row)
            .collect();
        assert_eq!(got, [0, 4, 8]);
        // More shares than rows: every row a share, and nothing lost.
        let got: Vec<u8> = taken([3, 1, 1], 5, 1, 1)
            .iter()
            .map(|&(row, _)| row)
            .collect();
        assert_eq!(got, [0, 2, 1]);
    }

    #[test]
    fn a_view_cuts_into_no_more_shares_than_it_has_places_to_cut() {
        let px = vec![0u8; 4 * 100 * 3];
        let shares = |shape, threads, granule| {
            Pieces::new(View::from_slice(&px, shape).unwrap(), threads, granule, 1).shares()
        };
        assert_eq!(shares([4, 100, 3], 3, 0), 3);
        assert_eq!(shares([4, 100, 3], 7, 0), 4); // one row each
        assert_eq!(shares([1, 400, 3], 7, 0), 1); // one row that must stay whole
        assert_eq!(shares([1, 400, 3], 7, 100), 4); // four granules
        assert_eq!(shares([1, 400, 3], 2, 1), 2);
    }

    #[test]
    fn threads_sharing_the_pieces_cover_every_element_once() {
        for shares in [1, 2, 4, 7] {
            let mut px = vec![0u8; 97 * 13 * 3];
            let view = ViewMut::from_slice(&mut px, [97, 13, 3]).unwrap();
            let pieces = Pieces::new(view, shares, 3, 100);
            let work = |mut piece: ViewMut<'_, u8, 3>| piece.iter_mut().for_each(|v| *v += 1);
            std::thread::scope(|s| {
                for _ in 1..shares {
                    s.spawn(|| pieces.work_through(&work));
                }
                pieces.work_through(&work);
            });
            pieces.wait_for_others(Duration::ZERO);
            assert_eq!(pieces.in_flight.load(Ordering::Relaxed), 0);
            assert!(px.iter().all(|&v| v == 1), "{shares} shares");
        }
    }
}

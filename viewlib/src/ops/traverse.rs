//! The one traversal every kernel is written against: a view is cut into disjoint pieces by the
//! splitting API (in parallel with rayon when it is large), and each piece is visited as
//! contiguous runs (`&mut [T]`, where the compiler vectorizes) or, failing that, strided lanes.

use crate::ops::pieces::{Pieces, cut_axis};
use crate::ops::{Place, place};
use crate::raw::{View, ViewMut, merge_pair};
use crate::sample::Sample;
use crate::split::Splittable;
use rayon::iter::ParallelIterator;

/// Below this many bytes a kernel runs on the calling thread: handing work to rayon costs more
/// than it saves. Chosen with the `cutoff` group of `benches/kernels.rs` (2 cores, in-place
/// invert, run with this set to 16 KiB): two threads lost up to 256 KiB (5.0 µs on one thread,
/// 6.5 µs on two) and won from 512 KiB (14.3 µs against 11.2 µs; 4 MiB: 75 µs against 45 µs).
pub const PARALLEL_MIN_BYTES: usize = 512 * 1024;

/// Parallel work is cut down to pieces of about this many bytes: small enough for work
/// stealing to even out, large enough that each piece streams.
const PIECE_BYTES: usize = 128 * 1024;

/// The granule, in pixels, of kernels that run along rows of pixels and may cut a row
/// anywhere: a multiple of every vector width in pixels, so a piece's vectors start where the
/// whole row's would.
pub(crate) const RUN_GRANULE: usize = 64;

/// How long a calling thread spins for the pool's threads to finish their last pieces before
/// it sleeps until they do: about two pieces' time, so it is on a CPU when they finish
/// rather than waiting to be woken.
const TAIL_SPIN: std::time::Duration = std::time::Duration::from_micros(50);

/// Runs `work` on disjoint pieces covering `view`: on this thread for small views (and inside
/// [`on_this_thread`](crate::ops::on_this_thread)), otherwise in parallel. On a rayon pool's
/// worker, rayon's work stealing splits it among that pool's threads; on any other thread,
/// this thread and the pool's threads (rayon's global pool, or the one of
/// [`on_this_thread_and`](crate::ops::on_this_thread_and)) each take pieces off a share of
/// their own and then off the others' (`Pieces`), so the work starts at once; this thread
/// then waits for the pool threads it asked to help (rayon's scope: one for each share but
/// its own, fewer than the pool's when the view cuts into fewer shares), those finishing their
/// last pieces and any that had not woken yet (which then finds nothing left). Pieces are cut
/// along axis 0, or along axis 1 at multiples of `granule` when axis 0 is down to one element
/// (so a run of whole pixels stays whole); `granule == 0` never cuts axis 1 (kernels that need
/// whole rows).
pub(crate) fn in_pieces<V>(view: V, granule: usize, work: impl Fn(V) + Sync + Send)
where
    V: Splittable + Send,
{
    in_pieces_of(view, granule, PIECE_BYTES, work);
}

/// [`in_pieces`] with pieces of at least about `piece_bytes` (at least [`PIECE_BYTES`]): for
/// kernels whose pieces must be large to run well.
pub(crate) fn in_pieces_of<V>(
    view: V,
    granule: usize,
    piece_bytes: usize,
    work: impl Fn(V) + Sync + Send,
) where
    V: Splittable + Send,
{
    if view.byte_len() < PARALLEL_MIN_BYTES {
        work(view);
        return;
    }
    let piece_bytes = piece_bytes.max(PIECE_BYTES);
    match place() {
        Place::ThisThread => work(view),
        Place::Worker => {
            rayon::iter::split(view, |v| halve(v, granule, piece_bytes)).for_each(work);
        }
        Place::WithHelpers(pool, threads) => {
            let pieces = Pieces::new(view, threads, granule, piece_bytes);
            // One helper for each share but this thread's: a helper that wakes to find
            // nothing left still costs this thread a wait for it.
            let helpers = pieces.shares() - 1;
            match pool {
                _ if helpers == 0 => pieces.work_through(&work),
                Some(pool) => pool.in_place_scope(|s| share(s, &pieces, &work, helpers)),
                None => rayon::in_place_scope(|s| share(s, &pieces, &work, helpers)),
            }
        }
    }
}

/// This thread's part of [`in_pieces`] with helpers: `helpers` pool threads spawned onto
/// `scope`, then pieces on this thread until none is left.
fn share<'s, V, W>(scope: &rayon::Scope<'s>, pieces: &'s Pieces<V>, work: &'s W, helpers: usize)
where
    V: Splittable + Send,
    W: Fn(V) + Sync,
{
    for _ in 0..helpers {
        scope.spawn(|_| pieces.work_through(work));
    }
    pieces.work_through(work);
    pieces.wait_for_others(TAIL_SPIN);
}

/// Cuts `view` in two for rayon's splitting, down to `piece_bytes`: halves along axis 0, or along axis 1 at a
/// multiple of `granule` when axis 0 has one element; `None` once it is a piece.
fn halve<V: Splittable>(view: V, granule: usize, piece_bytes: usize) -> (V, Option<V>) {
    if view.byte_len() <= piece_bytes {
        return (view, None);
    }
    let Some((axis, units, unit)) = cut_axis(&view, granule) else {
        return (view, None);
    };
    let at = units / 2 * unit;
    if at == 0 {
        return (view, None);
    }
    match view.split_parts(axis, at) {
        Ok((a, b)) => (a, Some(b)),
        Err(_) => unreachable!("split inside the axis"),
    }
}

/// Flips negative axes and orders the axes by decreasing stride: the same elements, visited in
/// memory order. Only for kernels that treat every element alike.
pub(crate) fn memory_order<T: Sample, const D: usize>(
    view: ViewMut<'_, T, D>,
) -> ViewMut<'_, T, D> {
    memory_order_following(view, 0).0
}

/// [`memory_order`], and where axis `axis` went: for kernels that treat every element of a
/// lane along one axis alike (a flip along it swaps the same pairs whichever way the axes
/// run).
pub(crate) fn memory_order_following<T: Sample, const D: usize>(
    view: ViewMut<'_, T, D>,
    axis: usize,
) -> (ViewMut<'_, T, D>, usize) {
    let mut view = view;
    for a in 0..D {
        if view.strides()[a] < 0 {
            view = view.flip(a).expect("axis in range");
        }
    }
    let strides = view.strides();
    let mut axes: [usize; D] = core::array::from_fn(|a| a);
    axes.sort_by_key(|&a| core::cmp::Reverse(strides[a]));
    let followed = axes.iter().position(|&a| a == axis).unwrap_or(axis);
    (view.permute_axes(axes).expect("a permutation"), followed)
}

/// Flips negative pixel axes and puts the larger stride first, keeping the channel axis last:
/// the same pixels in memory order.
fn pixels_in_memory_order<T: Sample>(image: ViewMut<'_, T, 3>) -> ViewMut<'_, T, 3> {
    let mut image = image;
    for axis in 0..2 {
        if image.strides()[axis] < 0 {
            image = image.flip(axis).expect("axis in range");
        }
    }
    if image.strides()[0] < image.strides()[1] {
        image = image.transpose();
    }
    image
}

/// Visits every pixel of `image` once, as contiguous runs of whole pixels (each run starts at a
/// pixel's first channel), in parallel for large images. Pixel order is memory order, so only
/// for kernels that treat every pixel alike. Gives the image back if its pixels are not
/// interleaved in contiguous runs (a channel-strided or planar layout).
pub(crate) fn for_each_pixel_run<'a, T: Sample>(
    image: ViewMut<'a, T, 3>,
    op: &(impl Fn(&mut [T]) + Sync),
) -> Result<(), ViewMut<'a, T, 3>> {
    let channels = image.channels();
    let image = pixels_in_memory_order(image);
    let interleaved = image.strides()[2] == 1 || channels <= 1;
    let merged = image.layout().merged2();
    if !(interleaved && merged.is_some_and(|m| m.strides()[1] == 1 || m.shape()[1] <= 1)) {
        return Err(image);
    }
    let Ok(rows) = image.into_merged2() else {
        unreachable!("merge checked")
    };
    in_pieces(rows, channels.max(1), |piece| {
        for row in piece.rows() {
            op(row.into_slice_mut().expect("rows are contiguous"));
        }
    });
    Ok(())
}

/// Visits every element of `view` once: `run` gets each contiguous run as a slice, and `each`
/// gets the elements of lanes that have no contiguous run (a strided channel). Order is
/// memory order, so only for kernels that treat every element alike.
pub(crate) fn for_each_run<T: Sample, const D: usize>(
    view: ViewMut<'_, T, D>,
    run: &(impl Fn(&mut [T]) + Sync),
    each: &(impl Fn(&mut T) + Sync),
) {
    let lane = |lane: ViewMut<'_, T, 1>| {
        if lane.is_c_contiguous() {
            run(lane.into_slice_mut().expect("contiguous"));
        } else {
            let mut lane = lane;
            lane.iter_mut().for_each(each);
        }
    };
    match memory_order(view).into_merged2() {
        Ok(merged) => in_pieces(merged, 1, |piece| piece.rows().for_each(lane)),
        Err(view) => in_pieces(view, 1, |mut piece| piece.lanes_mut().for_each(lane)),
    }
}

/// `dst` (`[h, w]`) and `src` (`[h, w, c]`) flipped alike along each pixel axis on which
/// `src` runs backwards (a mirrored or upside-down view), so that it reads forwards; `dst`'s
/// rows may then run the other way, which [`write_row`] takes care of.
pub(crate) fn source_forwards<'d, 's, T: Sample, U: Sample>(
    dst: ViewMut<'d, T, 2>,
    src: View<'s, U, 3>,
) -> (ViewMut<'d, T, 2>, View<'s, U, 3>) {
    let (mut dst, mut src) = (dst, src);
    for axis in 0..2 {
        if src.strides()[axis] < 0 {
            dst = dst.flip(axis).expect("a pixel axis");
            src = src.flip(axis).expect("a pixel axis");
        }
    }
    (dst, src)
}

/// Fills `row` through `fill`, which writes a slice in the row's order: directly when the
/// row is contiguous, through its memory reversed when it runs backwards (stride -1: `fill`
/// writes the memory forwards, then it is reversed in place, two passes over a row in L1
/// rather than a strided store per element). Gives back a row that is neither.
pub(crate) fn write_row<'a, T: Sample>(
    row: ViewMut<'a, T, 1>,
    fill: impl FnOnce(&mut [T]),
) -> Result<(), ViewMut<'a, T, 1>> {
    if row.is_c_contiguous() {
        fill(row.into_slice_mut().expect("contiguous"));
        return Ok(());
    }
    if row.strides()[0] != -1 {
        return Err(row);
    }
    let memory = row
        .flip(0)
        .expect("axis 0")
        .into_slice_mut()
        .expect("contiguous");
    fill(memory);
    memory.reverse();
    Ok(())
}

/// Visits `dst` and `src` (same shape) together, element `i` of one with element `i` of the
/// other, in an order that keeps lanes long (not C order): `op(dst_run, src_run)` on runs
/// that are contiguous in both, element pairs otherwise.
pub(crate) fn for_each_run_pair<T: Sample, U: Sample, const D: usize>(
    dst: ViewMut<'_, T, D>,
    src: View<'_, U, D>,
    op: &(impl Fn(&mut [T], &[U]) + Sync),
) {
    debug_assert_eq!(dst.shape(), src.shape());
    match merge_pair(dst, src) {
        Ok((dst, src)) => lanes_pair(dst, src, op),
        Err((dst, src)) => lanes_pair(dst, src, op),
    }
}

/// [`for_each_run_pair`]'s visit: `dst` and `src` lane by lane, in parallel for large views,
/// the lanes along the axis [`lanes_last`] picks. Both views are permuted alike, so element
/// `i` of one still pairs with element `i` of the other: only the visiting order changes.
fn lanes_pair<T: Sample, U: Sample, const D: usize>(
    dst: ViewMut<'_, T, D>,
    src: View<'_, U, D>,
    op: &(impl Fn(&mut [T], &[U]) + Sync),
) {
    let axes = lanes_last(dst.shape(), [dst.strides(), src.strides()]);
    let dst = dst.permute_axes(axes).expect("a permutation");
    let src = src.permute_axes(axes).expect("a permutation");
    in_pieces((dst, src), 1, |(mut d, s)| {
        for (d, s) in d.lanes_mut().zip(s.lanes()) {
            lane_pair(d, s, op);
        }
    });
}

/// The axes of a pair of views (destination first) in the order to visit them: the lanes
/// (the last axis) along the last axis if it is a long contiguous run in the destination,
/// else along the longest axis, so each lane is long even when the runs are short. Copies
/// of a mirrored or BGR-ordered RGB view (`a[:, ::-1]`, `a[..., ::-1]`) have runs of one to
/// three samples: on 1080p, lanes that short cost 32 and 157 ms a copy, lanes along the
/// pixels 4.2 and 3.6 ms (NumPy's `copyto`: 9.7 and 7.2 ms; 8-bit samples, one thread).
fn lanes_last<const D: usize>(shape: [usize; D], strides: [[isize; D]; 2]) -> [usize; D] {
    let mut axes: [usize; D] = core::array::from_fn(|a| a);
    let last = D - 1;
    // A long run in the destination is enough: its stores stay in order while the loads
    // gather (NumPy's order too; a transposed plane's copy, 8-bit 1080p: 2.4 ms with
    // scattered stores, 2.2 ms so).
    let long_run = shape[last] >= 16 && strides[0][last] == 1;
    let lane = if long_run {
        last
    } else {
        (0..D).max_by_key(|&a| (shape[a], a)).unwrap_or(last)
    };
    axes[lane..].rotate_left(1);
    axes
}

fn lane_pair<T: Sample, U: Sample>(
    dst: ViewMut<'_, T, 1>,
    src: View<'_, U, 1>,
    op: &impl Fn(&mut [T], &[U]),
) {
    match (dst.is_c_contiguous(), src.as_slice()) {
        (true, Some(s)) => op(dst.into_slice_mut().expect("contiguous"), s),
        _ => {
            // The lanes' own iterators: `iter_mut`/`iter` go through `lanes()` for any rank,
            // about twice the cost an element.
            for (d, s) in dst.lane_iter_mut().zip(src.lane_iter()) {
                op(core::slice::from_mut(d), core::slice::from_ref(s));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_run_along_a_long_contiguous_last_axis_else_the_longest() {
        // C order in both: the last axis.
        assert_eq!(
            lanes_last([4, 100, 30], [[3000, 30, 1], [3000, 30, 1]]),
            [0, 1, 2]
        );
        // Mirrored pixels (three-sample runs): along the pixels, the other axes in order.
        assert_eq!(
            lanes_last([4, 100, 3], [[300, 3, 1], [300, -3, 1]]),
            [0, 2, 1]
        );
        // BGR order, merged into two axes: along the rows.
        assert_eq!(lanes_last([400, 3], [[3, 1], [3, -1]]), [1, 0]);
        // A long last axis strided in the source still runs in the destination.
        assert_eq!(lanes_last([50, 20], [[20, 1], [1, 50]]), [0, 1]);
        // One strided in the destination is not a run.
        assert_eq!(lanes_last([50, 20], [[1, 50], [20, 1]]), [1, 0]);
        // Ties go to the later axis; one axis stays.
        assert_eq!(lanes_last([8, 8], [[1, 8], [1, 8]]), [0, 1]);
        assert_eq!(lanes_last([5], [[-1], [2]]), [0]);
    }
}

//! Rayon parallel iterators over the parts of a view: bands, rows, tiles, channels and any
//! `axis_chunks`, so users write their own parallel kernels over disjoint writable parts,
//! safely and without collecting the parts first.
//!
//! ```
//! use rayon::prelude::*;
//! let mut px = vec![0u8; 64 * 32 * 3];
//! let image = viewlib::ViewMut::from_slice(&mut px, [64, 32, 3])?;
//! // Each band on whichever thread takes it; the bands know where they are.
//! image.bands(8)?.into_par_iter().enumerate().for_each(|(i, mut band)| band.fill(i as u8));
//! assert_eq!((px[0], px[8 * 32 * 3], px.last()), (0, 1, Some(&7)));
//! // Tiles likewise, in row-major order: 16x16 tiles, two in each band of 16 rows.
//! let image = viewlib::ViewMut::from_slice(&mut px, [64, 32, 3])?;
//! image.par_tiles(16, 16)?.enumerate().for_each(|(i, mut tile)| tile.fill(i as u8));
//! assert_eq!((px[16 * 3], px[16 * 32 * 3], px.last()), (1, 2, Some(&7)));
//! # Ok::<(), viewlib::ViewError>(())
//! ```

use crate::split::{AxisChunks, Splittable, Tiles};
use rayon::iter::plumbing::{Consumer, Producer, ProducerCallback, UnindexedConsumer, bridge};
use rayon::iter::{IndexedParallelIterator, IntoParallelIterator, ParallelIterator};

/// [`AxisChunks`] as an indexed rayon parallel iterator (from `into_par_iter()`): rayon cuts
/// the view where it splits the work, so every part is a view of its own elements, and
/// nothing is allocated. `enumerate`, `zip` and `rev` work, being indexed.
#[derive(Debug)]
pub struct ParAxisChunks<V> {
    parts: AxisChunks<V>,
}

/// [`Tiles`] as an indexed rayon parallel iterator (from `into_par_iter()` or `par_tiles`):
/// the same tiles in the same row-major order, rayon cutting the view between tiles where it
/// splits the work, so every tile is a view of its own elements, and nothing is allocated.
/// `enumerate`, `zip` and `rev` work, being indexed.
///
/// ```
/// use rayon::prelude::*;
/// let mut px = vec![0u8; 5 * 7];
/// let image = viewlib::ViewMut::from_slice(&mut px, [5, 7])?;
/// let tiles = image.tiles(2, 3)?.into_par_iter();
/// assert_eq!(tiles.len(), 3 * 3);
/// // Each tile filled with its number in row-major order, the last one first.
/// tiles.enumerate().rev().for_each(|(i, mut tile)| tile.fill(i as u8));
/// assert_eq!(&px[..7], [0, 0, 0, 1, 1, 1, 2]);
/// assert_eq!(&px[4 * 7..], [6, 6, 6, 7, 7, 7, 8]);
/// # Ok::<(), viewlib::ViewError>(())
/// ```
#[derive(Debug)]
pub struct ParTiles<V> {
    parts: Tiles<V>,
}

/// The rayon traits of `$par`, a parallel iterator over `parts: $seq<V>`, a sequential one
/// that is exact-size, whose producer is the newtype `$producer($seq<V>)`.
macro_rules! indexed_parallel {
    ($par:ident, $seq:ident, $producer:ident) => {
        impl<V: Splittable + Send> IntoParallelIterator for $seq<V> {
            type Iter = $par<V>;
            type Item = V;
            fn into_par_iter(self) -> $par<V> {
                $par { parts: self }
            }
        }

        impl<V: Splittable + Send> ParallelIterator for $par<V> {
            type Item = V;
            fn drive_unindexed<C: UnindexedConsumer<V>>(self, consumer: C) -> C::Result {
                bridge(self, consumer)
            }
            fn opt_len(&self) -> Option<usize> {
                Some(self.parts.len())
            }
        }

        impl<V: Splittable + Send> IndexedParallelIterator for $par<V> {
            fn len(&self) -> usize {
                self.parts.len()
            }
            fn drive<C: Consumer<V>>(self, consumer: C) -> C::Result {
                bridge(self, consumer)
            }
            fn with_producer<CB: ProducerCallback<V>>(self, callback: CB) -> CB::Output {
                callback.callback($producer(self.parts))
            }
        }

        struct $producer<V>($seq<V>);
    };
}

indexed_parallel!(ParAxisChunks, AxisChunks, ChunksProducer);
indexed_parallel!(ParTiles, Tiles, TilesProducer);

impl<V: Splittable> AxisChunks<V> {
    /// The first `index` chunks and the rest (all of them if there are fewer), cut where the
    /// chunks meet.
    fn split_chunks(self, index: usize) -> (Self, Self) {
        let AxisChunks { rest, axis, size } = self;
        let part = |rest| AxisChunks { rest, axis, size };
        match rest {
            None => (part(None), part(None)),
            Some(view) => {
                // `index` chunks go left: a cut at `index * size`, within the axis.
                let at = index.saturating_mul(size).min(view.axis_len(axis));
                let (left, right) = view.split_parts(axis, at).expect("a cut within the axis");
                (part(Some(left)), part(Some(right)))
            }
        }
    }

    /// No chunks, of the same axis and size.
    fn emptied(&self) -> Self {
        AxisChunks {
            rest: None,
            axis: self.axis,
            size: self.size,
        }
    }
}

impl<V: Splittable + Send> Producer for ChunksProducer<V> {
    type Item = V;
    type IntoIter = AxisChunks<V>;
    fn into_iter(self) -> AxisChunks<V> {
        self.0
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let (left, right) = self.0.split_chunks(index);
        (ChunksProducer(left), ChunksProducer(right))
    }
}

impl<V: Splittable + Send> Producer for TilesProducer<V> {
    type Item = V;
    type IntoIter = Tiles<V>;
    fn into_iter(self) -> Tiles<V> {
        self.0
    }
    /// The first `index` tiles go left. The cut falls in `head` (along its columns), in
    /// `body` (a band boundary, and within that band along its columns) or in `tail`: each
    /// half is again a head, whole bands and a tail, of disjoint views in row-major order.
    fn split_at(self, index: usize) -> (Self, Self) {
        let tiles = |head, body, tail| TilesProducer(Tiles { head, body, tail });
        let in_head = self.0.head.len();
        let in_body = self.0.body_len();
        let per_band = self.0.tiles_per_band();
        let Tiles { head, body, tail } = self.0;
        if index <= in_head {
            let (left, right) = head.split_chunks(index);
            let (no_body, no_tail) = (body.emptied(), tail.emptied());
            return (tiles(left, no_body, no_tail), tiles(right, body, tail));
        }
        let index = index - in_head;
        match (index.checked_div(per_band), index.checked_rem(per_band)) {
            (Some(bands), Some(within)) if index < in_body => {
                let (above, from_band) = body.split_chunks(bands);
                let (band, below) = from_band.split_chunks(1);
                let band = AxisChunks {
                    rest: band.rest,
                    axis: 1,
                    size: head.size,
                };
                let (band_left, band_right) = band.split_chunks(within);
                (
                    tiles(head, above, band_left),
                    tiles(band_right, below, tail),
                )
            }
            _ => {
                let (left, right) = tail.split_chunks(index.saturating_sub(in_body));
                let (no_head, no_body) = (head.emptied(), body.emptied());
                (tiles(head, body, left), tiles(no_head, no_body, right))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TilesProducer;
    use crate::split::Tiles;
    use crate::split::tests::empty_view_of_huge_height;
    use crate::{View, ViewMut};
    use proptest::prelude::*;
    use rayon::iter::plumbing::Producer;
    use rayon::prelude::*;
    use std::sync::OnceLock;

    #[test]
    fn parallel_chunks_are_the_sequential_ones_in_order_on_any_pool() {
        let px: Vec<u16> = (0..37 * 5 * 2).collect();
        for threads in [1, 2, 7] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            for (axis, size) in [(0, 1), (0, 4), (0, 37), (0, 100), (1, 2), (2, 1)] {
                let view = View::from_slice(&px, [37, 5, 2]).unwrap().flip_vertical();
                let sequential: Vec<Vec<u16>> = view
                    .axis_chunks(axis, size)
                    .unwrap()
                    .map(|c| c.to_vec())
                    .collect();
                let parallel: Vec<Vec<u16>> = pool.install(|| {
                    let chunks = view.axis_chunks(axis, size).unwrap().into_par_iter();
                    assert_eq!(chunks.len(), sequential.len());
                    chunks.map(|c| c.to_vec()).collect()
                });
                assert_eq!(
                    parallel, sequential,
                    "axis {axis}, size {size}, {threads} threads"
                );
                let reversed: Vec<Vec<u16>> = view
                    .axis_chunks(axis, size)
                    .unwrap()
                    .rev()
                    .map(|c| c.to_vec())
                    .collect();
                assert_eq!(
                    reversed,
                    sequential.iter().rev().cloned().collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn writable_bands_fill_in_parallel_and_empty_views_give_nothing() {
        let mut px = vec![0u8; 100 * 3];
        let image = ViewMut::from_slice(&mut px, [100, 3, 1]).unwrap();
        image
            .bands(7)
            .unwrap()
            .into_par_iter()
            .enumerate()
            .for_each(|(i, mut b)| {
                b.fill(i as u8);
            });
        let expected: Vec<u8> = (0..100).flat_map(|row| [(row / 7) as u8; 3]).collect();
        assert_eq!(px, expected);
        let empty = View::<u8, 3>::from_slice(&[], [0, 3, 1]).unwrap();
        assert_eq!(empty.bands(4).unwrap().into_par_iter().count(), 0);
    }

    /// Each tile's values, front to back, checking the length it announced.
    fn values(tiles: Tiles<View<'_, u16, 2>>) -> Vec<Vec<u16>> {
        let len = tiles.len();
        let values: Vec<Vec<u16>> = tiles.map(|t| t.to_vec()).collect();
        assert_eq!(values.len(), len);
        values
    }

    /// `part` holds `want`, taken from both ends in turn, its length right at every step.
    fn check_part(part: TilesProducer<View<'_, u16, 2>>, want: &[Vec<u16>], at: &str) {
        let Tiles { head, body, tail } = &part.0;
        let [head, body, tail] = [head, body, tail].map(|p| p.rest.as_ref().map(|v| v.shape()));
        let at = format!("{at}: head {head:?}, body {body:?}, tail {tail:?}");
        let mut tiles = part.into_iter();
        let (mut front, mut back) = (Vec::new(), Vec::new());
        for step in 0.. {
            assert_eq!(tiles.len(), want.len() - step, "{at}");
            let tile = if step % 2 == 0 {
                tiles.next().map(|t| front.push(t.to_vec()))
            } else {
                tiles.next_back().map(|t| back.push(t.to_vec()))
            };
            if tile.is_none() {
                break;
            }
        }
        front.extend(back.into_iter().rev());
        assert_eq!(front, want, "{at}");
    }

    #[test]
    fn tiles_cut_anywhere_twice_are_the_sequential_tiles() {
        let px: Vec<u16> = (0..7 * 8).collect();
        for (h, w) in [(7, 8), (1, 1), (5, 3), (0, 4), (4, 0)] {
            let view = View::from_slice(&px[..h * w], [h, w])
                .unwrap()
                .flip(1)
                .unwrap();
            for (rows, columns) in [(1, 1), (2, 3), (3, 2), (7, 8), (10, 10)] {
                let tiles = || TilesProducer(view.tiles(rows, columns).unwrap());
                let all = values(tiles().0);
                let n = all.len();
                for i in 0..=n {
                    let (left, right) = tiles().split_at(i);
                    assert_eq!(
                        values(left.0),
                        all[..i],
                        "{h}x{w} / {rows}x{columns} at {i}"
                    );
                    assert_eq!(
                        values(right.0),
                        all[i..],
                        "{h}x{w} / {rows}x{columns} at {i}"
                    );
                    for j in 0..=n {
                        let at = format!("{h}x{w} / {rows}x{columns} at {i}, then {j}");
                        let (left, right) = tiles().split_at(i);
                        let (half, want, k) = if j <= i {
                            (left.split_at(j), &all[..i], j)
                        } else {
                            (right.split_at(j - i), &all[i..], j - i)
                        };
                        check_part(half.0, &want[..k], &at);
                        check_part(half.1, &want[k..], &at);
                    }
                }
            }
        }
    }

    /// Pools of 1, 2 and 7 threads, built once for all the cases.
    fn pools() -> &'static [rayon::ThreadPool] {
        static POOLS: OnceLock<Vec<rayon::ThreadPool>> = OnceLock::new();
        POOLS.get_or_init(|| {
            [1, 2, 7]
                .map(|n| {
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(n)
                        .build()
                        .unwrap()
                })
                .into()
        })
    }

    /// A view of a `[h, w, c]` image: the rectangle `[x, y, width, height]`, flipped either
    /// way and transposed as drawn.
    #[derive(Clone, Copy, Debug)]
    struct Derived {
        shape: [usize; 3],
        crop: [usize; 4],
        flip_horizontal: bool,
        flip_vertical: bool,
        transpose: bool,
    }

    fn derived() -> impl Strategy<Value = Derived> {
        (1usize..=13, 1usize..=13, 1usize..=3)
            .prop_flat_map(|(h, w, c)| {
                let x = 0..w;
                let y = 0..h;
                (x, y).prop_flat_map(move |(x, y)| {
                    (0..=w - x, 0..=h - y, any::<[bool; 3]>()).prop_map(move |(cw, ch, flips)| {
                        let [flip_horizontal, flip_vertical, transpose] = flips;
                        Derived {
                            shape: [h, w, c],
                            crop: [x, y, cw, ch],
                            flip_horizontal,
                            flip_vertical,
                            transpose,
                        }
                    })
                })
            })
            .boxed()
    }

    /// `$view` (a `View` or `ViewMut` of `$d.shape`) derived as `$d` says.
    macro_rules! derive_view {
        ($view:expr, $d:expr) => {{
            let [x, y, width, height] = $d.crop;
            let v = $view.crop(x, y, width, height).unwrap();
            let v = if $d.flip_horizontal {
                v.flip_horizontal()
            } else {
                v
            };
            let v = if $d.flip_vertical {
                v.flip_vertical()
            } else {
                v
            };
            if $d.transpose { v.transpose() } else { v }
        }};
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// On any view, tile size and pool, the parallel tiles are the sequential ones in the
        /// same order, through `len`, `with_min_len`, `with_max_len`, `rev` and `zip`, and
        /// filling each writable tile with its number writes the tile grid.
        #[test]
        fn parallel_tiles_are_the_sequential_tiles(
            d in derived(),
            rows in 1usize..=15,
            columns in 1usize..=15,
        ) {
            // Each element holds its own offset, so a tile's values say where it lies.
            let offsets: Vec<u32> = (0..d.shape.iter().product::<usize>() as u32).collect();
            let view = derive_view!(View::from_slice(&offsets, d.shape).unwrap(), d);
            let sequential: Vec<([usize; 3], Vec<u32>)> = view
                .tiles(rows, columns)
                .unwrap()
                .map(|t| (t.shape(), t.to_vec()))
                .collect();
            // The grid, pixel by pixel: the number of the tile each element is in, plus one.
            let [h, w, c] = view.shape();
            let per_band = w.div_ceil(columns);
            prop_assert_eq!(sequential.len(), h.div_ceil(rows) * per_band);
            let mut grid = vec![0u32; offsets.len()];
            for y in 0..h {
                for x in 0..w {
                    for ch in 0..c {
                        let at = view.get([y, x, ch]).unwrap() as usize;
                        grid[at] = ((y / rows) * per_band + x / columns + 1) as u32;
                    }
                }
            }
            let reversed: Vec<_> = sequential.iter().rev().cloned().collect();
            for pool in pools() {
                pool.install(|| -> Result<(), TestCaseError> {
                    let tiles = || view.par_tiles(rows, columns).unwrap();
                    let of = |t: View<'_, u32, 3>| (t.shape(), t.to_vec());
                    prop_assert_eq!(tiles().len(), sequential.len());
                    prop_assert_eq!(&tiles().map(of).collect::<Vec<_>>(), &sequential);
                    let one_by_one: Vec<_> = tiles().with_max_len(1).map(of).collect();
                    prop_assert_eq!(&one_by_one, &sequential);
                    let three_at_least: Vec<_> = tiles().with_min_len(3).map(of).collect();
                    prop_assert_eq!(&three_at_least, &sequential);
                    prop_assert_eq!(&tiles().rev().map(of).collect::<Vec<_>>(), &reversed);
                    let zipped = tiles().with_max_len(2).zip(sequential.par_iter());
                    prop_assert!(zipped.all(|(t, want)| of(t) == *want));
                    let mut filled = vec![0u32; offsets.len()];
                    derive_view!(ViewMut::from_slice(&mut filled, d.shape).unwrap(), d)
                        .par_tiles(rows, columns)
                        .unwrap()
                        .with_max_len(1)
                        .enumerate()
                        .for_each(|(i, mut t)| t.fill(i as u32 + 1));
                    prop_assert_eq!(&filled, &grid);
                    Ok(())
                })?;
            }
        }
    }

    #[test]
    fn many_tiles_are_cut_without_visiting_them() {
        // 2^61 bands of 3 empty tiles, from the back: the last band has isize::MAX % 4 = 3
        // rows.
        let tiles = empty_view_of_huge_height().par_tiles(4, 1).unwrap();
        assert_eq!(tiles.len(), 3 << 61);
        let last: Vec<[usize; 3]> = tiles.rev().take(4).map(|t| t.shape()).collect();
        assert_eq!(last, [[3, 1, 0], [3, 1, 0], [3, 1, 0], [4, 1, 0]]);
    }
}

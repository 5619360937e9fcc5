//! Splitting a view into disjoint parts: chunks along an axis (rows, bands), tiles, channels.
//!
//! For a [`ViewMut`] the parts are writable, disjoint and `Send`, so threads (rayon or scoped)
//! can mutate them at once: the safe answer to "split an image into mutable tiles" that the
//! `image` and `ndarray` crates leave to `unsafe` or to copies. Splitting allocates nothing.

use crate::error::{Result, ViewError};
use crate::par::ParTiles;
use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use rayon::iter::{IndexedParallelIterator, IntoParallelIterator, ParallelIterator};

mod sealed {
    /// Only viewlib's views split: a cut must keep the parts disjoint, which the kernels'
    /// safety rests on.
    pub trait Sealed {}
    impl<T, const D: usize> Sealed for crate::raw::View<'_, T, D> {}
    impl<T, const D: usize> Sealed for crate::raw::ViewMut<'_, T, D> {}
    impl<A: Sealed, B: Sealed> Sealed for (A, B) {}
}

/// A view that can be cut in two along an axis; implemented by [`View`], [`ViewMut`] and
/// pairs of them (split in lockstep). Sealed: the parallel kernels rely on the parts being
/// disjoint, so no other type can implement it.
///
/// ```compile_fail
/// struct Mine;
/// impl viewlib::Splittable for Mine { // error: `Sealed` is not implemented for `Mine`
///     fn axis_len(&self, _: usize) -> usize { 0 }
///     fn byte_len(&self) -> usize { 0 }
///     fn split_parts(self, _: usize, _: usize) -> viewlib::Result<(Self, Self)> { todo!() }
/// }
/// ```
pub trait Splittable: Sized + sealed::Sealed {
    /// Length of `axis` (0 for an axis the view does not have).
    fn axis_len(&self, axis: usize) -> usize;
    /// Bytes of the elements (what a kernel touches).
    fn byte_len(&self) -> usize;
    /// Cuts `axis` before `index`.
    fn split_parts(self, axis: usize, index: usize) -> Result<(Self, Self)>;
}

/// Two views of one shape split in lockstep: a kernel's destination and source.
impl<A: Splittable, B: Splittable> Splittable for (A, B) {
    fn axis_len(&self, axis: usize) -> usize {
        self.0.axis_len(axis)
    }
    fn byte_len(&self) -> usize {
        self.0.byte_len() + self.1.byte_len()
    }
    fn split_parts(self, axis: usize, index: usize) -> Result<(Self, Self)> {
        let (a0, a1) = self.0.split_parts(axis, index)?;
        let (b0, b1) = self.1.split_parts(axis, index)?;
        Ok(((a0, b0), (a1, b1)))
    }
}

macro_rules! splittable {
    ($ty:ident) => {
        impl<'a, T: Sample, const D: usize> Splittable for $ty<'a, T, D> {
            fn axis_len(&self, axis: usize) -> usize {
                self.shape().get(axis).copied().unwrap_or(0)
            }
            fn byte_len(&self) -> usize {
                self.nbytes()
            }
            fn split_parts(self, axis: usize, index: usize) -> Result<(Self, Self)> {
                self.split_at(axis, index)
            }
        }

        impl<'a, T: Sample, const D: usize> $ty<'a, T, D> {
            /// Consecutive parts of at most `size` along `axis` (the last may be shorter).
            ///
            /// ```
            #[doc = concat!("use viewlib::", stringify!($ty), ";")]
            /// let mut px = [0u8; 5 * 2];
            #[doc = concat!("let v = ", stringify!($ty), "::from_slice(&mut px, [5, 2])?;")]
            /// let heights: Vec<usize> = v.axis_chunks(0, 2)?.map(|b| b.shape()[0]).collect();
            /// assert_eq!(heights, [2, 2, 1]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn axis_chunks(self, axis: usize, size: usize) -> Result<AxisChunks<Self>> {
                if axis >= D {
                    return Err(ViewError::AxisOutOfRange { axis, ndim: D });
                }
                if size == 0 {
                    return Err(ViewError::ZeroChunk { axis });
                }
                Ok(AxisChunks {
                    rest: Some(self),
                    axis,
                    size,
                })
            }

            /// Bands of at most `rows` rows (axis 0), top to bottom; `into_par_iter()` on the
            /// result hands them to rayon's threads (see [`ParAxisChunks`](crate::ParAxisChunks)).
            ///
            /// ```
            /// let mut px = [0u8; 5 * 2 * 1];
            /// let image = viewlib::ViewMut::from_slice(&mut px, [5, 2, 1])?;
            /// for (i, mut band) in image.bands(2)?.enumerate() {
            ///     band.fill(i as u8);
            /// }
            /// assert_eq!(px, [0, 0, 0, 0, 1, 1, 1, 1, 2, 2]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn bands(self, rows: usize) -> Result<AxisChunks<Self>> {
                self.axis_chunks(0, rows)
            }

            /// Tiles of at most `rows x columns` (axes 0 and 1), row-major; edge tiles are
            /// smaller. The iterator is double-ended and knows its length; with rayon,
            /// `into_par_iter()` (or [`par_tiles`](Self::par_tiles)) hands the tiles to
            /// threads.
            ///
            /// Errors: `rows` or `columns` zero, a view of fewer than 2 dimensions, or more
            /// tiles than `isize::MAX` ([`ViewError::SizeOverflow`]; only a view with no
            /// elements and huge axes has that many).
            ///
            /// ```
            /// let mut px = [0u8; 3 * 3];
            /// let image = viewlib::ViewMut::from_slice(&mut px, [3, 3, 1])?;
            /// for (i, mut tile) in image.tiles(2, 2)?.enumerate() {
            ///     tile.fill(i as u8);
            /// }
            /// assert_eq!(px, [0, 0, 1, 0, 0, 1, 2, 2, 3]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn tiles(self, rows: usize, columns: usize) -> Result<Tiles<Self>> {
                if D < 2 {
                    return Err(ViewError::AxisOutOfRange { axis: 1, ndim: D });
                }
                if columns == 0 {
                    return Err(ViewError::ZeroChunk { axis: 1 });
                }
                let width = self.axis_len(1);
                let mut bands = self.bands(rows)?;
                if width == 0 {
                    // No columns, no tiles: without this, every (empty) band of a view of
                    // `isize::MAX` rows would be visited.
                    bands.rest = None;
                }
                // `len()` counts the tiles in a `usize`; like a number of elements, the count
                // must fit `isize`.
                bands
                    .len()
                    .checked_mul(width.div_ceil(columns))
                    .filter(|&n| n <= isize::MAX as usize)
                    .ok_or(ViewError::SizeOverflow { axis: 1, len: width })?;
                let band_tiles = |rest| AxisChunks {
                    rest,
                    axis: 1,
                    size: columns,
                };
                Ok(Tiles {
                    head: band_tiles(None),
                    body: bands,
                    tail: band_tiles(None),
                })
            }

            /// [`tiles`](Self::tiles) as a rayon indexed parallel iterator, in the same
            /// row-major order: rayon cuts the view where it splits the work, so each tile is
            /// a view of its own elements, and nothing is allocated.
            ///
            /// ```
            /// use rayon::prelude::*;
            /// let mut px = [0u8; 3 * 5];
            #[doc = concat!("let image = viewlib::", stringify!($ty), "::from_slice(&mut px, [3, 5])?;")]
            /// let widths: Vec<usize> = image.par_tiles(2, 2)?.map(|t| t.shape()[1]).collect();
            /// assert_eq!(widths, [2, 2, 1, 2, 2, 1]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn par_tiles(self, rows: usize, columns: usize) -> Result<ParTiles<Self>> {
                Ok(self.tiles(rows, columns)?.into_par_iter())
            }
        }

        impl<'a, T: Sample> $ty<'a, T, 3> {
            /// Every row as a `[width, channels]` view, top to bottom.
            ///
            /// ```
            /// let px: Vec<u8> = (0..2 * 2 * 1).collect();
            /// let image = viewlib::View::from_slice(&px, [2, 2, 1])?;
            /// let rows: Vec<_> = image.flip_vertical().rows().map(|r| r.to_vec()).collect();
            /// assert_eq!(rows, [[2, 3], [0, 1]]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn rows(self) -> impl ExactSizeIterator<Item = $ty<'a, T, 2>> + 'a {
                self.axis_chunks(0, 1)
                    .expect("axis 0, size 1")
                    .map(|row| row.index_axis(0, 0).expect("a one-row band"))
            }

            /// Every channel as a `[height, width]` view, all at once: `R`, `G`, `B`, ...
            ///
            /// ```
            /// use viewlib::ViewMut;
            /// let mut rgb = [1u8, 2, 3, 4, 5, 6];
            /// let image = ViewMut::from_slice(&mut rgb, [1, 2, 3])?;
            /// let [r, _g, mut b] = <[_; 3]>::try_from(image.split_channels().collect::<Vec<_>>())
            ///     .unwrap();
            /// b.fill(0);
            /// assert_eq!(r.view().to_vec(), [1, 4]);
            /// assert_eq!(rgb, [1, 2, 0, 4, 5, 0]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn split_channels(self) -> impl ExactSizeIterator<Item = $ty<'a, T, 2>> + 'a {
                self.axis_chunks(2, 1)
                    .expect("axis 2, size 1")
                    .map(|c| c.index_axis(2, 0).expect("a one-channel part"))
            }

            /// [`rows`](Self::rows) as a rayon indexed parallel iterator: each row a view of
            /// its own elements, on whichever thread takes it; nothing is allocated.
            ///
            /// ```
            /// use rayon::prelude::*;
            /// let mut px = vec![0u8; 4 * 3 * 1];
            #[doc = concat!("let image = viewlib::", stringify!($ty), "::from_slice(&mut px, [4, 3, 1])?;")]
            /// let sums: Vec<u32> = image.par_rows().enumerate()
            ///     .map(|(y, row)| y as u32 * row.len() as u32).collect();
            /// assert_eq!(sums, [0, 3, 6, 9]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn par_rows(self) -> impl IndexedParallelIterator<Item = $ty<'a, T, 2>> + 'a {
                self.axis_chunks(0, 1)
                    .expect("axis 0, size 1")
                    .into_par_iter()
                    .map(|row| row.index_axis(0, 0).expect("a one-row band"))
            }

            /// [`split_channels`](Self::split_channels) as a rayon indexed parallel iterator:
            /// each channel's plane on its own thread.
            ///
            /// ```
            /// use rayon::prelude::*;
            /// let mut rgb = [10u8, 20, 30, 40, 50, 60];
            /// let image = viewlib::ViewMut::from_slice(&mut rgb, [1, 2, 3])?;
            /// image.par_split_channels().enumerate().for_each(|(c, mut plane)| plane.fill(c as u8));
            /// assert_eq!(rgb, [0, 1, 2, 0, 1, 2]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn par_split_channels(
                self,
            ) -> impl IndexedParallelIterator<Item = $ty<'a, T, 2>> + 'a {
                self.axis_chunks(2, 1)
                    .expect("axis 2, size 1")
                    .into_par_iter()
                    .map(|c| c.index_axis(2, 0).expect("a one-channel part"))
            }
        }

        impl<'a, T: Sample> $ty<'a, T, 2> {
            /// Every row as a 1-D view.
            ///
            /// ```
            /// let m = viewlib::View::from_slice(&[1u8, 2, 3, 4], [2, 2])?;
            /// assert_eq!(m.rows().map(|r| r.to_vec()).collect::<Vec<_>>(), [[1, 2], [3, 4]]);
            /// # Ok::<(), viewlib::ViewError>(())
            /// ```
            pub fn rows(self) -> impl ExactSizeIterator<Item = $ty<'a, T, 1>> + 'a {
                self.axis_chunks(0, 1)
                    .expect("axis 0, size 1")
                    .map(|row| row.index_axis(0, 0).expect("a one-row band"))
            }
        }
    };
}

splittable!(View);
splittable!(ViewMut);

/// Consecutive parts along one axis, from `axis_chunks` or `bands`.
///
/// With rayon, `into_par_iter()` makes it an indexed parallel iterator that splits the view
/// itself, allocating nothing (see [`ParAxisChunks`](crate::ParAxisChunks)).
#[derive(Debug)]
pub struct AxisChunks<V> {
    pub(crate) rest: Option<V>,
    pub(crate) axis: usize,
    pub(crate) size: usize,
}

impl<V: Splittable> Iterator for AxisChunks<V> {
    type Item = V;
    fn next(&mut self) -> Option<V> {
        let rest = self.rest.take()?;
        let len = rest.axis_len(self.axis);
        if len == 0 {
            return None;
        }
        let (head, tail) = rest
            .split_parts(self.axis, self.size.min(len))
            .expect("split inside the axis");
        if len > self.size {
            self.rest = Some(tail);
        }
        Some(head)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self
            .rest
            .as_ref()
            .map_or(0, |r| r.axis_len(self.axis).div_ceil(self.size));
        (n, Some(n))
    }
}
impl<V: Splittable> ExactSizeIterator for AxisChunks<V> {}

impl<V: Splittable> DoubleEndedIterator for AxisChunks<V> {
    fn next_back(&mut self) -> Option<V> {
        let rest = self.rest.take()?;
        let chunks = rest.axis_len(self.axis).div_ceil(self.size);
        if chunks == 0 {
            return None;
        }
        let (head, last) = rest
            .split_parts(self.axis, (chunks - 1) * self.size)
            .expect("split inside the axis");
        if chunks > 1 {
            self.rest = Some(head);
        }
        Some(last)
    }
}

/// Tiles in row-major order, from `tiles`: double-ended and exact-size.
///
/// With rayon, `into_par_iter()` makes it an indexed parallel iterator that cuts the view
/// itself, allocating nothing (see [`ParTiles`](crate::ParTiles)).
///
/// ```
/// let px: Vec<u8> = (0..3 * 3).collect();
/// let tiles = viewlib::View::from_slice(&px, [3, 3])?.tiles(2, 2)?;
/// assert_eq!(tiles.len(), 4);
/// let last_first: Vec<Vec<u8>> = tiles.rev().map(|t| t.to_vec()).collect();
/// assert_eq!(last_first, [vec![8], vec![6, 7], vec![2, 5], vec![0, 1, 3, 4]]);
/// # Ok::<(), viewlib::ViewError>(())
/// ```
#[derive(Debug)]
pub struct Tiles<V> {
    // Three disjoint views in row-major order: `head`, what is left of a band taken from the
    // front (or cut by rayon), `body`, whole bands, and `tail`, what is left of a band taken
    // from the back (or cut by rayon). Every cut falls on the tile grid, so each part's own
    // chunks are the grid's tiles.
    /// Chunks along axis 1 of `columns`.
    pub(crate) head: AxisChunks<V>,
    /// Chunks along axis 0 of `rows`; `rest` is `None` or has columns.
    pub(crate) body: AxisChunks<V>,
    /// Chunks along axis 1 of `columns`.
    pub(crate) tail: AxisChunks<V>,
}

impl<V: Splittable> Tiles<V> {
    /// Tiles in each band of `body`.
    pub(crate) fn tiles_per_band(&self) -> usize {
        self.body
            .rest
            .as_ref()
            .map_or(0, |band| band.axis_len(1).div_ceil(self.head.size))
    }

    /// Tiles in `body`. `tiles()` checked the whole grid's count, and parts only shrink.
    pub(crate) fn body_len(&self) -> usize {
        self.body.len().saturating_mul(self.tiles_per_band())
    }
}

impl<V: Splittable> Iterator for Tiles<V> {
    type Item = V;
    fn next(&mut self) -> Option<V> {
        loop {
            if let Some(tile) = self.head.next() {
                return Some(tile);
            }
            // A band of `body` has columns, so this loops at most once more.
            match self.body.next() {
                Some(band) => self.head.rest = Some(band),
                None => return self.tail.next(),
            }
        }
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        // Saturating never happens: the count fits `isize` (see `body_len`).
        let n = self
            .head
            .len()
            .saturating_add(self.body_len())
            .saturating_add(self.tail.len());
        (n, Some(n))
    }
}
impl<V: Splittable> ExactSizeIterator for Tiles<V> {}

impl<V: Splittable> DoubleEndedIterator for Tiles<V> {
    fn next_back(&mut self) -> Option<V> {
        loop {
            if let Some(tile) = self.tail.next_back() {
                return Some(tile);
            }
            match self.body.next_back() {
                Some(band) => self.tail.rest = Some(band),
                None => return self.head.next_back(),
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use crate::{View, ViewError};

    /// `[isize::MAX, 3, 0]`: built with the empty axis first, as a shape's running product
    /// must fit; an axis permutation then brings it last.
    pub(crate) fn empty_view_of_huge_height() -> View<'static, u8, 3> {
        View::from_slice_with_strides(&[], [isize::MAX as usize, 0, 3], [0, 0, 0], 0)
            .unwrap()
            .permute_axes([0, 2, 1])
            .unwrap()
    }

    #[test]
    fn tiles_run_from_both_ends_and_count_down() {
        let px: Vec<u16> = (0..5 * 7).collect();
        let view = View::from_slice(&px, [5, 7]).unwrap().flip(1).unwrap();
        for (rows, columns) in [(1, 1), (2, 3), (5, 4), (9, 2)] {
            let tiles = || view.tiles(rows, columns).unwrap();
            let all: Vec<Vec<u16>> = tiles().map(|t| t.to_vec()).collect();
            assert_eq!(all.len(), 5usize.div_ceil(rows) * 7usize.div_ceil(columns));
            assert_eq!(tiles().len(), all.len());
            let backwards: Vec<Vec<u16>> = tiles().rev().map(|t| t.to_vec()).collect();
            assert!(backwards.iter().eq(all.iter().rev()), "{rows}x{columns}");
            // One from each end, then the rest from the front: the middle, in order.
            let mut both = tiles();
            assert_eq!(both.next().map(|t| t.to_vec()).as_ref(), all.first());
            assert_eq!(both.next_back().map(|t| t.to_vec()).as_ref(), all.last());
            assert_eq!(both.len(), all.len() - 2);
            let middle: Vec<Vec<u16>> = both.map(|t| t.to_vec()).collect();
            assert_eq!(middle, all[1..all.len() - 1]);
        }
    }

    #[test]
    fn more_tiles_than_isize_are_refused_and_many_are_counted() {
        let huge = empty_view_of_huge_height();
        for (rows, columns) in [(1, 1), (2, 1)] {
            let err = huge.tiles(rows, columns).unwrap_err();
            assert_eq!(err, ViewError::SizeOverflow { axis: 1, len: 3 });
        }
        // 2^61 bands of 3 tiles: the last band has isize::MAX % 4 = 3 rows.
        let mut tiles = huge.tiles(4, 1).unwrap();
        assert_eq!(tiles.len(), 3 << 61);
        assert_eq!(tiles.next_back().map(|t| t.shape()), Some([3, 1, 0]));
        assert_eq!(tiles.next().map(|t| t.shape()), Some([4, 1, 0]));
        assert_eq!(tiles.len(), (3 << 61) - 2);
    }
}

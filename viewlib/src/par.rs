//! Rayon parallel iterators over the parts of a view: bands, rows, channels and any
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
//! # Ok::<(), viewlib::ViewError>(())
//! ```

use crate::split::{AxisChunks, Splittable};
use rayon::iter::plumbing::{Consumer, Producer, ProducerCallback, UnindexedConsumer, bridge};
use rayon::iter::{IndexedParallelIterator, IntoParallelIterator, ParallelIterator};

/// [`AxisChunks`] as an indexed rayon parallel iterator (from `into_par_iter()`): rayon cuts
/// the view where it splits the work, so every part is a view of its own elements, and
/// nothing is allocated. `enumerate`, `zip` and `rev` work, being indexed.
#[derive(Debug)]
pub struct ParAxisChunks<V> {
    chunks: AxisChunks<V>,
}

impl<V: Splittable + Send> IntoParallelIterator for AxisChunks<V> {
    type Iter = ParAxisChunks<V>;
    type Item = V;
    fn into_par_iter(self) -> ParAxisChunks<V> {
        ParAxisChunks { chunks: self }
    }
}

impl<V: Splittable + Send> ParallelIterator for ParAxisChunks<V> {
    type Item = V;
    fn drive_unindexed<C: UnindexedConsumer<V>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }
    fn opt_len(&self) -> Option<usize> {
        Some(self.chunks.len())
    }
}

impl<V: Splittable + Send> IndexedParallelIterator for ParAxisChunks<V> {
    fn len(&self) -> usize {
        self.chunks.len()
    }
    fn drive<C: Consumer<V>>(self, consumer: C) -> C::Result {
        bridge(self, consumer)
    }
    fn with_producer<CB: ProducerCallback<V>>(self, callback: CB) -> CB::Output {
        callback.callback(ChunksProducer(self.chunks))
    }
}

struct ChunksProducer<V>(AxisChunks<V>);

impl<V: Splittable + Send> Producer for ChunksProducer<V> {
    type Item = V;
    type IntoIter = AxisChunks<V>;
    fn into_iter(self) -> AxisChunks<V> {
        self.0
    }
    fn split_at(self, index: usize) -> (Self, Self) {
        let AxisChunks { rest, axis, size } = self.0;
        let part = |rest| ChunksProducer(AxisChunks { rest, axis, size });
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
}

#[cfg(test)]
mod tests {
    use crate::{View, ViewMut};
    use rayon::prelude::*;

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
}

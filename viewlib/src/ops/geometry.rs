//! Flips in place. (Flips and transposes as views need no kernel: `flip_horizontal`,
//! `flip_vertical`, `transpose`; their copies are `to_image_buf` or `copy_from`.)

use crate::ops::traverse::{in_pieces, memory_order_following};
use crate::raw::ViewMut;
use crate::sample::Sample;
use crate::simd;

impl<T: Sample> ViewMut<'_, T, 3> {
    /// Mirrors the image top to bottom in place: rows are swapped pairwise, in parallel.
    ///
    /// ```
    /// let mut px = [1u8, 2, 3, 4, 5, 6];
    /// viewlib::ViewMut::from_slice(&mut px, [3, 2, 1])?.flip_vertical_in_place();
    /// assert_eq!(px, [5, 6, 3, 4, 1, 2]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn flip_vertical_in_place(self) {
        flip_in_place(self, 0);
    }

    /// Mirrors the image left to right in place: each row's pixels reversed, rows in parallel.
    ///
    /// ```
    /// let mut px = [1u8, 2, 3, 4, 5, 6];
    /// viewlib::ViewMut::from_slice(&mut px, [1, 3, 2])?.flip_horizontal_in_place();
    /// assert_eq!(px, [5, 6, 3, 4, 1, 2]);
    /// # Ok::<(), viewlib::ViewError>(())
    /// ```
    pub fn flip_horizontal_in_place(self) {
        flip_in_place(self, 1);
    }
}

/// Flips `image` along `axis` in place. A flip swaps the same pairs of elements whichever
/// way a view of that memory runs, so the view is first put in memory order (negative axes
/// flipped, larger strides first): a flip of a mirrored, BGR-ordered or transposed view of a
/// C-order image is then a flip of its rows or of their pixels, where it was a walk over
/// three-sample lanes (1080p RGB, a transposed view's horizontal flip: 22 ms, NumPy 0.6 ms).
fn flip_in_place<T: Sample>(image: ViewMut<'_, T, 3>, axis: usize) {
    match memory_order_following(image, axis) {
        (image, 0) => swap_rows(image),
        (image, 1) => reverse_rows(image),
        (image, _) => reverse_lanes(image),
    }
}

/// Swaps the rows of `image` pairwise (top with bottom), in parallel.
fn swap_rows<T: Sample>(image: ViewMut<'_, T, 3>) {
    let half = image.height() / 2;
    let (top, rest) = image.split_at(0, half).expect("half the rows");
    let bottom = rest
        .flip_vertical()
        .slice_along(0, ..half)
        .expect("the other half has at least as many rows");
    in_pieces((top, bottom), 0, |(top, bottom)| {
        // Contiguous halves (the bottom one read upwards): row slices cut from one slice
        // each, without a view per row (a 800 x 200 RGB8 flip: 28 µs with views, 16 µs
        // without, OpenCV 18 µs; BENCHMARKS.md).
        let row_len = top.width() * top.channels();
        let bottom_up = bottom.flip_vertical();
        if row_len > 0 && top.is_c_contiguous() && bottom_up.is_c_contiguous() {
            let top = top.into_slice_mut().expect("contiguous");
            let bottom_up = bottom_up.into_slice_mut().expect("contiguous");
            let pairs = top.chunks_exact_mut(row_len);
            for (a, b) in pairs.zip(bottom_up.rchunks_exact_mut(row_len)) {
                swap_slices(a, b);
            }
            return;
        }
        for (a, b) in top.rows().zip(bottom_up.flip_vertical().rows()) {
            swap_all(a, b);
        }
    });
}

/// Reverses the pixels of each row of `image`, rows in parallel.
fn reverse_rows<T: Sample>(image: ViewMut<'_, T, 3>) {
    let channels = image.channels();
    in_pieces(image, 0, |piece| {
        // A contiguous piece: its rows cut from one slice, without a view per row, each
        // reversed while the next one is fetched.
        let row_len = piece.width() * channels;
        if row_len > 0 && piece.is_c_contiguous() {
            let mut rows = piece.into_slice_mut().expect("contiguous");
            while !rows.is_empty() {
                let (row, after) = rows.split_at_mut(row_len);
                reverse_pixels(row, after.get(..row_len).unwrap_or_default(), channels);
                rows = after;
            }
            return;
        }
        for row in piece.rows() {
            if row.is_c_contiguous() {
                let row = row.into_slice_mut().expect("contiguous");
                reverse_pixels(row, &[], channels);
            } else {
                reverse_axis_0(row);
            }
        }
    });
}

/// Reverses each lane (along the last axis) of `image`, lanes in parallel: a flip along an
/// axis that memory order puts last (a planar view's horizontal flip).
fn reverse_lanes<T: Sample>(image: ViewMut<'_, T, 3>) {
    in_pieces(image, 0, |mut piece| {
        for lane in piece.lanes_mut() {
            match lane.is_c_contiguous() {
                true => lane.into_slice_mut().expect("contiguous").reverse(),
                false => reverse_axis_0(lane),
            }
        }
    });
}

/// Reverses `view` along axis 0 by swapping its halves, the second read backwards: for
/// strided views, which have no slice to reverse.
fn reverse_axis_0<T: Sample, const D: usize>(view: ViewMut<'_, T, D>) {
    let half = view.shape()[0] / 2;
    let (first, rest) = view.split_at(0, half).expect("half of axis 0");
    let second = rest
        .flip(0)
        .expect("axis 0")
        .slice_along(0, ..half)
        .expect("the other half has at least as many");
    swap_all(first, second);
}

/// Swaps every element of `a` with the same element of `b` (same shape).
fn swap_all<T: Sample, const D: usize>(a: ViewMut<'_, T, D>, b: ViewMut<'_, T, D>) {
    if a.is_c_contiguous() && b.is_c_contiguous() {
        let a = a.into_slice_mut().expect("contiguous");
        swap_slices(a, b.into_slice_mut().expect("contiguous"));
    } else {
        let (mut a, mut b) = (a, b);
        for (x, y) in a.iter_mut().zip(b.iter_mut()) {
            core::mem::swap(x, y);
        }
    }
}

/// `a.swap_with_slice(b)` through vector registers, the widest the CPU has (`simd`).
/// (`swap_with_slice` on bytes went byte by byte: 13.5 ms against 5.8 ms for a plain copy of
/// a 4096 x 4096 RGBA8 image, one thread; three `memcpy`s per block through a buffer in L1,
/// the next version, moved every byte three times.)
fn swap_slices<T: Sample>(a: &mut [T], b: &mut [T]) {
    let set = simd::Supported::active();
    simd::swap_bytes(
        set,
        bytemuck::cast_slice_mut(a),
        bytemuck::cast_slice_mut(b),
    );
}

/// Reverses the order of the `channels`-sample pixels of a contiguous row; `next`, the row
/// reversed next (or empty), is fetched into cache meanwhile.
fn reverse_pixels<T: Sample>(row: &mut [T], next: &[T], channels: usize) {
    fn reverse<T: Copy, const N: usize>(row: &mut [T]) {
        row.as_chunks_mut::<N>().0.reverse();
    }
    // Pixels of 3, 4, 6 or 12 bytes (RGB8, RGBA8, gray+alpha 16-bit, 32-bit gray, RGB16,
    // RGB f32): byte shuffles. On 1080p RGB16 and RGB f32 the plain reversal below took 2.0
    // and 2.4 ms, the shuffles 0.64 and 1.3 ms (OpenCV's flip: 0.79 and 1.2 ms; BENCHMARKS.md).
    let set = simd::Supported::active();
    let (bytes, next) = (bytemuck::cast_slice_mut(row), bytemuck::cast_slice(next));
    match size_of::<T>() * channels {
        3 => return simd::reverse_rgb::<3>(set, bytes, next),
        4 => return simd::reverse_4_bytes(set, bytes, next),
        6 => return simd::reverse_rgb::<6>(set, bytes, next),
        12 => return simd::reverse_rgb::<12>(set, bytes, next),
        _ => {}
    }
    match channels {
        1 => row.reverse(),
        2 => reverse::<T, 2>(row),
        3 => reverse::<T, 3>(row),
        4 => reverse::<T, 4>(row),
        0 => {}
        n => {
            let pixels = row.len() / n;
            let (left, right) = row.split_at_mut(pixels / 2 * n);
            for (a, b) in left.chunks_exact_mut(n).zip(right.rchunks_exact_mut(n)) {
                a.swap_with_slice(b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::ViewMut;

    /// A planar `[c, h, w]` buffer seen as `[h, w, c]`: memory order puts the width last.
    fn planar(data: &mut [u16]) -> ViewMut<'_, u16, 3> {
        let planes = ViewMut::from_slice(data, [3, 4, 5]).unwrap();
        planes.permute_axes([1, 2, 0]).unwrap()
    }

    #[test]
    fn flips_of_a_planar_view_flip_each_plane() {
        let original: Vec<u16> = (0..60).collect();
        let mut data = original.clone();
        planar(&mut data).flip_horizontal_in_place();
        for (k, &v) in data.iter().enumerate() {
            let (plane_row, x) = (k / 5, k % 5);
            assert_eq!(v, original[plane_row * 5 + (4 - x)], "element {k}");
        }
        let mut data = original.clone();
        planar(&mut data).flip_vertical_in_place();
        for (k, &v) in data.iter().enumerate() {
            let (c, y, x) = (k / 20, k / 5 % 4, k % 5);
            assert_eq!(v, original[c * 20 + (3 - y) * 5 + x], "element {k}");
        }
    }
}

//! Zero-copy conversions between viewlib views and `ndarray` array views (feature `ndarray`):
//! the articles' "pass data between libraries without copies", checked by types.
//!
//! ```
//! use viewlib::View;
//! let px: Vec<u8> = (0..2 * 3 * 4).collect();
//! let flipped = View::from_slice(&px, [2, 3, 4])?.flip_horizontal();
//! let array: ndarray::ArrayView3<u8> = flipped.into();
//! assert_eq!(array[[0, 0, 0]], 8);
//! assert_eq!(array.as_ptr(), flipped.as_ptr()); // same memory, no copy
//! let back = View::try_from(array)?;
//! assert_eq!(back, flipped);
//! # Ok::<(), viewlib::ViewError>(())
//! ```

use crate::error::ViewError;
use crate::raw::{View, ViewMut};
use crate::sample::Sample;
use ndarray::{ArrayView, ArrayViewMut, Dim, Dimension, IntoDimension};

impl<'a, T: Sample, const D: usize> From<View<'a, T, D>> for ArrayView<'a, T, Dim<[usize; D]>>
where
    [usize; D]: IntoDimension<Dim = Dim<[usize; D]>>,
    Dim<[usize; D]>: Dimension,
{
    fn from(view: View<'a, T, D>) -> Self {
        view.to_ndarray()
    }
}

impl<'a, T: Sample, const D: usize> From<ViewMut<'a, T, D>> for ArrayViewMut<'a, T, Dim<[usize; D]>>
where
    [usize; D]: IntoDimension<Dim = Dim<[usize; D]>>,
    Dim<[usize; D]>: Dimension,
{
    fn from(view: ViewMut<'a, T, D>) -> Self {
        view.into_ndarray()
    }
}

/// Fails only for layouts viewlib cannot represent (e.g. stride arithmetic beyond `isize`).
impl<'a, T: Sample, const D: usize> TryFrom<ArrayView<'a, T, Dim<[usize; D]>>> for View<'a, T, D>
where
    [usize; D]: IntoDimension<Dim = Dim<[usize; D]>>,
    Dim<[usize; D]>: Dimension,
{
    type Error = ViewError;
    fn try_from(array: ArrayView<'a, T, Dim<[usize; D]>>) -> Result<Self, ViewError> {
        View::from_ndarray(array)
    }
}

/// Fails for layouts viewlib cannot prove free of aliasing ([`ViewError::Aliasing`]).
impl<'a, T: Sample, const D: usize> TryFrom<ArrayViewMut<'a, T, Dim<[usize; D]>>>
    for ViewMut<'a, T, D>
where
    [usize; D]: IntoDimension<Dim = Dim<[usize; D]>>,
    Dim<[usize; D]>: Dimension,
{
    type Error = ViewError;
    fn try_from(array: ArrayViewMut<'a, T, Dim<[usize; D]>>) -> Result<Self, ViewError> {
        ViewMut::from_ndarray(array)
    }
}

#[cfg(test)]
mod tests {
    use crate::{View, ViewMut};
    use ndarray::{Array3, ArrayView2, ArrayViewMut3, s};

    #[test]
    fn every_layout_round_trips() {
        let px: Vec<u16> = (0..4 * 5 * 3).collect();
        let image = View::from_slice(&px, [4, 5, 3]).unwrap();
        let reference = Array3::from_shape_vec((4, 5, 3), px.clone()).unwrap();
        let cases = [
            (image, reference.view()),
            (image.flip_vertical(), reference.slice(s![..;-1, .., ..])),
            (image.transpose(), reference.view().permuted_axes([1, 0, 2])),
            (
                image.crop(1, 1, 3, 2).unwrap().flip_horizontal(),
                reference.slice(s![1..3, 1..4;-1, ..]),
            ),
        ];
        for (view, expected) in cases {
            let array: ndarray::ArrayView3<u16> = view.into();
            assert_eq!(array, expected);
            assert_eq!(View::try_from(array).unwrap(), view);
        }
        let green: ArrayView2<u16> = image.channel(1).unwrap().into();
        assert_eq!(green, reference.slice(s![.., .., 1]));
    }

    #[test]
    fn writes_cross_the_boundary() {
        let mut px = vec![0u8; 2 * 2 * 3];
        let view = ViewMut::from_slice(&mut px, [2, 2, 3]).unwrap();
        let mut array: ArrayViewMut3<u8> = view.flip_horizontal().into();
        array[[0, 0, 2]] = 7; // pixel (1, 0) of the original, blue
        let mut back = ViewMut::try_from(array).unwrap();
        back.set([1, 1, 0], 9); // pixel (0, 1), red
        assert_eq!(px, [0, 0, 0, 0, 0, 7, 9, 0, 0, 0, 0, 0]);
    }

    /// Regression (review): an empty view must reach ndarray with strides that step nowhere and
    /// a pointer inside its buffer, or ndarray's own safe methods do out-of-bounds arithmetic.
    #[test]
    fn empty_and_degenerate_views_meet_ndarray_contract() {
        use ndarray::{ArrayView2, ArrayView3, Axis};
        let px = vec![0u8; 4 * 5 * 3];
        let range = px.as_ptr() as usize..=px.as_ptr() as usize + px.len();
        let rotated = View::from_slice(&px, [4, 5, 3]).unwrap();
        let rotated = rotated.flip_vertical().flip_horizontal();
        let empty: ArrayView3<u8> = rotated.crop(0, 0, 5, 0).unwrap().into();
        assert!(range.contains(&(empty.as_ptr() as usize)));
        assert_eq!(empty.strides(), [0, 0, 0]);

        let nothing: [u8; 0] = [];
        let a: ArrayView2<u8> = View::from_slice(&nothing, [0, 5]).unwrap().into();
        assert_eq!(a.strides(), [0, 0]);
        let col = a.slice_move(s![.., 3..]).index_axis_move(Axis(1), 1);
        assert_eq!(col.as_ptr(), nothing.as_ptr());

        let mut four = [0u8; 4];
        let base = four.as_ptr();
        let m = ViewMut::from_slice_with_strides(&mut four, [0, 3], [1, 1000], 0).unwrap();
        let m: ndarray::ArrayViewMut2<u8> = m.into();
        assert_eq!(m.index_axis_move(Axis(1), 2).as_ptr(), base);

        // A length-1 axis with an absurd stride: ndarray sees 0. (`isize::MIN` itself is
        // refused: it could not be negated by a flip.)
        let one = [7u8, 8];
        assert!(View::from_slice_with_strides(&one, [1, 2], [isize::MIN, 1], 0).is_err());
        let v = View::from_slice_with_strides(&one, [1, 2], [isize::MIN + 1, 1], 0).unwrap();
        let a: ArrayView2<u8> = v.into();
        assert_eq!((a.strides(), a[[0, 1]]), (&[0, 1][..], 8));
    }

    #[test]
    fn sliced_mutable_ndarray_views_convert() {
        let mut data = [0u8; 4];
        let mut array = ndarray::ArrayViewMut::from_shape((4,), &mut data[..]).unwrap();
        let mut sub = array.slice_mut(s![1..3]);
        sub[0] = 1;
        assert!(ViewMut::try_from(sub).is_ok());
    }
}

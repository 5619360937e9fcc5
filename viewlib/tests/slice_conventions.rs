//! `viewlib::s!` follows Python's slice rules; `ndarray::s!` reads the same text differently
//! when a negative step meets two bounds. Both rules, side by side, as `s!`'s docs state them.

// `3..0` is the point here: a Python-style bound pair, not a Rust range to iterate.
#![allow(clippy::reversed_empty_ranges)]

use viewlib::View;

const X: [u8; 5] = [0, 1, 2, 3, 4];

fn viewlib_slice(slice: [viewlib::Slice; 1]) -> Vec<u8> {
    View::from_slice(&X, [5])
        .unwrap()
        .slice(slice)
        .unwrap()
        .to_vec()
}

fn ndarray_slice(
    info: ndarray::SliceInfo<[ndarray::SliceInfoElem; 1], ndarray::Ix1, ndarray::Ix1>,
) -> Vec<u8> {
    ndarray::ArrayView1::from(&X[..]).slice(info).to_vec()
}

#[test]
fn a_negative_step_walks_from_start_as_in_python() {
    // x[1:4:-1] == [], x[3:0:-1] == [3, 2, 1], x[2::-1] == [2, 1, 0], x[::-1] reversed.
    assert_eq!(viewlib_slice(viewlib::s![1..4; -1]), []);
    assert_eq!(viewlib_slice(viewlib::s![3..0; -1]), [3, 2, 1]);
    assert_eq!(viewlib_slice(viewlib::s![2..; -1]), [2, 1, 0]);
    assert_eq!(viewlib_slice(viewlib::s![..; -1]), [4, 3, 2, 1, 0]);
    assert_eq!(viewlib_slice(viewlib::s![..2; -1]), [4, 3]); // x[:2:-1]
}

#[test]
fn ndarray_walks_the_range_from_its_end() {
    assert_eq!(ndarray_slice(ndarray::s![1..4; -1]), [3, 2, 1]);
    assert_eq!(ndarray_slice(ndarray::s![2..; -1]), [4, 3, 2]);
    assert_eq!(ndarray_slice(ndarray::s![..; -1]), [4, 3, 2, 1, 0]);
    assert_eq!(ndarray_slice(ndarray::s![..2; -1]), [1, 0]);
    // Where the two agree: positive steps.
    assert_eq!(
        ndarray_slice(ndarray::s![1..4; 2]),
        viewlib_slice(viewlib::s![1..4; 2])
    );
}

#[test]
fn a_range_whose_start_is_after_its_end_is_empty_in_ndarray() {
    assert_eq!(ndarray_slice(ndarray::s![3..0; -1]), []);
}

//! Every `ViewError` variant, triggered through the public API, with the numbers it names.

use viewlib::{ImageBuf, Layout, Slice, View, ViewError, ViewMut, s};

/// The error and the message a user would read.
fn check<T>(result: Result<T, ViewError>, expected: ViewError, message: &str) {
    match result {
        Ok(_) => panic!("expected {expected:?}, got Ok"),
        Err(e) => {
            assert_eq!(e, expected);
            assert_eq!(e.to_string(), message);
        }
    }
}

#[test]
fn length_mismatch() {
    check(
        View::from_slice(&[0u8; 10], [3, 4]),
        ViewError::LengthMismatch {
            expected: 12,
            len: 10,
        },
        "buffer has 10 elements but the shape needs exactly 12",
    );
    check(
        ImageBuf::from_vec(2, 2, 3, vec![0u8; 11]),
        ViewError::LengthMismatch {
            expected: 12,
            len: 11,
        },
        "buffer has 11 elements but the shape needs exactly 12",
    );
}

#[test]
fn out_of_buffer() {
    check(
        View::from_slice_with_strides(&[0u8; 10], [2, 3], [4, 1], 4),
        ViewError::OutOfBuffer {
            lowest: 4,
            highest: 10,
            len: 10,
        },
        "view reaches elements 4..=10 but the buffer has 10 elements",
    );
    // A negative stride reaching before the buffer start.
    check(
        View::from_slice_with_strides(&[0u8; 10], [3], [-2], 3),
        ViewError::OutOfBuffer {
            lowest: -1,
            highest: 3,
            len: 10,
        },
        "view reaches elements -1..=3 but the buffer has 10 elements",
    );
}

#[test]
fn size_and_stride_overflow() {
    check(
        ImageBuf::<u8>::new(1 << 32, 1 << 32, 1),
        ViewError::SizeOverflow {
            axis: 1,
            len: 1 << 32,
        },
        "size overflows isize at axis 1 (length 4294967296)",
    );
    check(
        View::from_slice_with_strides(&[0u8; 4], [2, 2], [isize::MAX, 1], 0),
        ViewError::StrideOverflow {
            axis: 1,
            len: 2,
            stride: 1,
        },
        "stride arithmetic overflows at axis 1 (length 2, stride 1)",
    );
}

#[test]
fn aliasing() {
    check(
        ViewMut::from_slice_with_strides(&mut [0u8; 8], [2, 4], [2, 1], 0),
        ViewError::Aliasing {
            axis: 0,
            stride: 2,
            span: 4,
        },
        "writable view aliases: axis 0 has stride 2 but the axes inside it span 4 elements",
    );
    // The same layout is fine for a read-only view (overlapping windows, like NumPy's
    // sliding_window_view).
    let windows = View::from_slice_with_strides(&[1u8, 2, 3, 4, 5], [2, 4], [1, 1], 0).unwrap();
    assert_eq!(windows.to_list(), vec![vec![1, 2, 3, 4], vec![2, 3, 4, 5]]);
}

#[test]
fn axes_and_indices() {
    let data = [0u8; 24];
    let v = View::from_slice(&data, [2, 3, 4]).unwrap();
    check(
        v.flip(3),
        ViewError::AxisOutOfRange { axis: 3, ndim: 3 },
        "axis 3 is out of range for a view with 3 dimensions",
    );
    check(
        v.permute_axes([0, 2, 2]),
        ViewError::DuplicateAxis { axis: 2 },
        "axis 2 appears more than once in the permutation",
    );
    check(
        v.channel(4),
        ViewError::IndexOutOfRange {
            axis: 2,
            index: 4,
            len: 4,
        },
        "index 4 is out of range for axis 2 of length 4",
    );
    check(
        v.try_get([0, 3, 0]),
        ViewError::IndexOutOfRange {
            axis: 1,
            index: 3,
            len: 3,
        },
        "index 3 is out of range for axis 1 of length 3",
    );
    let mut buf = [0u8; 6];
    let mut m = ViewMut::from_slice(&mut buf, [2, 3]).unwrap();
    check(
        m.try_set([2, 0], 1),
        ViewError::IndexOutOfRange {
            axis: 0,
            index: 2,
            len: 2,
        },
        "index 2 is out of range for axis 0 of length 2",
    );
    assert_eq!(buf, [0; 6], "a failed set changes nothing");
}

#[test]
#[should_panic(expected = "index 5 is out of range for axis 0 of length 3")]
fn indexing_panics_with_the_same_message() {
    let v = View::new(&[1u8, 2, 3]);
    let _ = v[[5]];
}

#[test]
fn slices() {
    let v = View::new(b"abc".as_slice());
    check(
        v.slice_along(0, 1..99),
        ViewError::SliceOutOfRange {
            axis: 0,
            bound: 99,
            len: 3,
        },
        "slice bound 99 is out of range for axis 0 of length 3",
    );
    check(
        v.slice([Slice::new(None, None, 0)]),
        ViewError::ZeroStep { axis: 0 },
        "slice step is zero on axis 0",
    );
    check(
        v.slice(s![..; 0]),
        ViewError::ZeroStep { axis: 0 },
        "slice step is zero on axis 0",
    );
    check(
        v.axis_chunks(0, 0).map(|_| ()),
        ViewError::ZeroChunk { axis: 0 },
        "chunk size is zero on axis 0",
    );
}

#[test]
fn crops() {
    let data = [0u8; 4 * 5 * 3];
    let image = View::from_slice(&data, [4, 5, 3]).unwrap();
    let expected = ViewError::CropOutOfBounds {
        x: 3,
        y: 1,
        width: 3,
        height: 2,
        image_width: 5,
        image_height: 4,
    };
    check(
        image.crop(3, 1, 3, 2),
        expected,
        "crop 3x2 at (3, 1) does not fit in a 5x4 image",
    );
    // Overflowing rectangles are out of bounds, not wrapped around.
    assert!(matches!(
        image.crop(usize::MAX, 0, 2, 1),
        Err(ViewError::CropOutOfBounds { .. })
    ));
}

#[test]
fn casts_and_reshapes() {
    let data: Vec<u8> = (0..16).collect();
    let m = View::from_slice(&data, [4, 4]).unwrap();
    check(
        m.transpose().reshape([16]),
        ViewError::NotContiguous {
            operation: "reshape (C order)",
        },
        "reshape (C order) needs contiguous elements",
    );
    check(
        m.transpose().cast::<u16>(),
        ViewError::NotContiguous {
            operation: "a cast to another itemsize (innermost axis)",
        },
        "a cast to another itemsize (innermost axis) needs contiguous elements",
    );
    check(
        m.slice(s![.., ..3]).unwrap().cast::<viewlib::U16Be>(),
        ViewError::ItemSizeMismatch {
            axis: 1,
            bytes: 3,
            itemsize: 2,
        },
        "3 bytes on axis 1 is not a multiple of the new itemsize 2",
    );
    check(
        m.reshape([5, 3]),
        ViewError::ReshapeCount { from: 16, to: 15 },
        "cannot reshape 16 elements into a shape of 15 elements",
    );
    // An odd start address cannot hold an aligned u16 (the byte-order types can).
    let words: Vec<u16> = vec![0; 4];
    let bytes = View::new(&words[..]).as_bytes().unwrap();
    let odd = bytes.slice_along(0, 1..7).unwrap();
    let address = odd.as_ptr() as usize;
    check(
        odd.cast::<u16>(),
        ViewError::Misaligned { address, align: 2 },
        &format!("address {address:#x} is not aligned to 2 bytes for the cast"),
    );
    assert!(odd.cast::<viewlib::U16Le>().is_ok());
}

#[test]
fn shape_mismatch() {
    let mut data = *b"Python is great!";
    let mut mv = ViewMut::new(&mut data);
    check(
        mv.reborrow()
            .slice_along(0, 7..9)
            .unwrap()
            .copy_from(View::new(b"was")),
        ViewError::ShapeMismatch {
            axis: 0,
            expected: 2,
            found: 3,
        },
        "shape mismatch on axis 0: expected 2, found 3",
    );
    assert_eq!(
        &data, b"Python is great!",
        "a failed assignment changes nothing"
    );
}

#[test]
fn layout_errors_come_from_the_same_checks() {
    assert_eq!(
        Layout::new([2, 2], [isize::MIN, 1]),
        Err(ViewError::StrideOverflow {
            axis: 0,
            len: 2,
            stride: isize::MIN
        })
    );
}

#[cfg(feature = "image")]
#[test]
fn unsupported_channels() {
    use viewlib::DynImageBuf;
    check(
        image::DynamicImage::try_from(DynImageBuf::U16(ImageBuf::new(1, 1, 5).unwrap())),
        ViewError::UnsupportedChannels {
            channels: 5,
            bits: 16,
        },
        "image::DynamicImage has no 16-bit variant with 5 channels",
    );
}

#[test]
fn empty_derivations_stay_anchored_in_their_buffer() {
    // A layout with no element accepts any stride; deriving from it must not move the pointer
    // away from the buffer (it is handed on, e.g. to ndarray).
    let data: [u8; 0] = [];
    let v = View::from_slice_with_strides(&data, [3, 0], [isize::MAX / 4, 1], 0).unwrap();
    let row = v.reverse_axes().column(2).unwrap();
    assert!(row.is_empty());
    assert_eq!(row.as_ptr(), data.as_ptr());
    assert_eq!(row.offset_bytes(), 0);
}

/// Regressions from review: arithmetic on strides no index uses must neither panic nor wrap.
#[test]
fn unused_huge_strides_are_harmless() {
    let data = [0u8; 3];
    let v = View::from_slice_with_strides(&data, [0, 3], [1, isize::MAX], 0).unwrap();
    assert!(v.column(2).unwrap().is_empty());
    let words = [0u16; 4];
    let v = View::from_slice_with_strides(&words, [1, 4], [isize::MAX, 1], 0).unwrap();
    assert_eq!(v.byte_strides(), [isize::MAX, 2]);
    let bytes = *b"abcd";
    let reversed = View::new(&bytes)
        .slice([Slice::new(None, None, isize::MIN)])
        .unwrap();
    assert_eq!(reversed.to_vec(), b"d");
}

/// A zero stride can make a view larger than memory: refused when built, so `nbytes` and
/// every copy size stay representable.
#[test]
fn broadcast_views_must_fit_in_isize_bytes() {
    let one = [0u64];
    check(
        View::from_slice_with_strides(&one, [1 << 62], [0], 0),
        ViewError::SizeOverflow {
            axis: 0,
            len: 1 << 62,
        },
        "size overflows isize at axis 0 (length 4611686018427387904)",
    );
    let v = View::from_slice_with_strides(&one, [1 << 20], [0], 0).unwrap();
    assert_eq!(v.nbytes(), 8 << 20);
}

//! Every Python `memoryview` example of the four seed articles in `/work/shared/seeds/`,
//! reproduced with viewlib and checked against the output the article states or implies.
//!
//! * seed 000: "Unlock Zero-Copy Performance in Python with memoryview" (Code Mala Tang)
//! * seed 001: "9.4 memoryview: Zero-Copy Buffer Protocol"
//! * seed 002: "Memory Management in Python: A Deep Dive into memoryview" (T. Manushev)
//! * seed 003: "Python memoryview function" guide (J. Bodnar)
//!
//! Seeds 000 and 002 carry the same four examples; each is one test here, naming both.
//!
//! Where an article is wrong about what Python does, the test says so and asserts what CPython
//! (checked with 3.11) actually does and what viewlib does instead:
//! * 001 "Writable view": `writable_view[0] = 87` writes `'W'` (87), not `'w'` (119).
//! * 001 "cast again to 2-D": `mv.cast('i', (3, 1))` raises `TypeError` (cannot cast between two
//!   non-byte formats) and `mv_2d[2][0]` raises `NotImplementedError` (no sub-views).
//! * 001 "Format and platform dependence": `cast('>i')` raises `ValueError` in CPython.
//! * 003 "modify_data.py": `mv[7:9] = b'was'` raises `ValueError` (lengths differ).

use core::mem::size_of_val;
use viewlib::{I32Be, I32Le, Order, View, ViewError, ViewMut, s};

type TestResult = Result<(), ViewError>;

/// A byte buffer aligned for 4-byte samples. A Python `bytearray` may be read as `'i'` whatever
/// its address (CPython copies each item out); a viewlib cast to a native `i32` needs an
/// aligned first element, so buffers cast to `i32` here are built aligned (see
/// `endianness_guidance_explicit_byte_orders` for the misaligned case).
#[repr(C, align(4))]
struct Aligned4<const N: usize>([u8; N]);

// seed 000 "Hidden Cost of Slicing" / seed 002 "The Hidden Cost of Slicing":
// `payload = data_packet[2:6]` copies; the copy has its own identity (`id()` differs).
#[test]
fn seed_000_002_hidden_cost_of_slicing() -> TestResult {
    let data_packet = b"ABCDEFGHIJ".to_vec();

    // Python's bytearray slice is a copy: new allocation, same content b'CDEF'.
    let payload = data_packet[2..6].to_vec();
    assert_eq!(payload, b"CDEF");
    assert_ne!(payload.as_ptr(), data_packet[2..].as_ptr());

    // The view slice is the same bytes, at the same address.
    let view_payload = View::new(&data_packet).slice(s![2..6])?;
    assert_eq!(view_payload.to_bytes(Order::C), b"CDEF");
    assert_eq!(view_payload.as_ptr(), data_packet[2..].as_ptr());
    assert_eq!(view_payload.offset_bytes(), 2);
    Ok(())
}

// seed 000 "memoryview: Zero-Copy Solution" / seed 002 "memoryview: The Zero-Copy Solution":
// `slice_of_view = mem_view[2:6]`, then `original_data[3] = 99` shows through the slice.
#[test]
fn seed_000_002_zero_copy_slice_shares_memory() -> TestResult {
    let mut original_data: Vec<u8> = (0..10).collect();
    assert_eq!(original_data, b"\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09");

    {
        let mem_view = View::new(&original_data);
        let slice_of_view = mem_view.slice(s![2..6])?;
        // Distinct view values (Python: distinct `id()`s) over one buffer: the slice's first
        // element is byte 2 of the original, nothing was copied.
        assert_eq!(mem_view.as_ptr(), original_data.as_ptr());
        assert_eq!(slice_of_view.as_ptr(), original_data[2..].as_ptr());
        assert_eq!(slice_of_view.offset_bytes(), 2);
        assert_eq!(slice_of_view.base_bytes(), 10);
        assert_eq!(slice_of_view.position_in(&mem_view), Some([2]));
        assert_eq!(slice_of_view.to_bytes(Order::C), [2, 3, 4, 5]);
        // Python writes `original_data[3] = 99` while `slice_of_view` is alive. In Rust that is
        // a compile error (the buffer is shared-borrowed by the views); the compile_fail doctest
        // on `ViewMut` in raw.rs shows the writable case. The views end here.
    }

    // The Rust-correct order: write through a writable view (or the buffer itself), then read
    // through a view: the write is seen because views read the buffer, not a copy.
    {
        let mut writer = ViewMut::new(&mut original_data);
        writer.set([3], 99);
        // Reborrowing for a while: a read-only slice of the same writable view sees it at once.
        let slice_of_view = writer.view().slice(s![2..6])?;
        assert_eq!(slice_of_view.to_bytes(Order::C), b"\x02c\x04\x05");
    }
    original_data[3] = 99; // the direct write, once no view borrows the buffer
    let slice_of_view = View::new(&original_data).slice(s![2..6])?;
    // b'\x00\x01\x02c\x04\x05\x06\x07\x08\t' and b'\x02c\x04\x05' (99 is 'c').
    assert_eq!(original_data, b"\x00\x01\x02c\x04\x05\x06\x07\x08\t");
    assert_eq!(slice_of_view.to_bytes(Order::C), b"\x02c\x04\x05");
    assert_eq!(slice_of_view.as_ptr(), original_data[2..].as_ptr());
    Ok(())
}

// seed 000 "Superpower #1: Reinterpret Memory with .cast()" /
// seed 002 "Superpower #1: Reinterpreting Memory with .cast()":
// `byte_view = memoryview(array('h', [-2, -1, 0, 1, 2])).cast('B')`, then `byte_view[5] = 4`.
#[test]
fn seed_000_002_cast_i16_to_bytes_and_patch_one_byte() -> TestResult {
    let mut numbers: Vec<i16> = vec![-2, -1, 0, 1, 2];
    let native_bytes: Vec<u8> = numbers.iter().flat_map(|n| n.to_ne_bytes()).collect();
    {
        let mem_view = ViewMut::new(&mut numbers);
        assert_eq!((mem_view.format(), mem_view.itemsize()), ("h", 2));
        let mut byte_view = mem_view.as_bytes()?; // cast('B')
        assert_eq!(byte_view.shape(), [10]);
        assert_eq!((byte_view.format(), byte_view.itemsize()), ("B", 1));
        assert_eq!(byte_view.view().to_list(), native_bytes);
        if cfg!(target_endian = "little") {
            // What the article prints (x86 / ARM).
            assert_eq!(
                byte_view.view().to_list(),
                [254, 255, 255, 255, 0, 0, 1, 0, 2, 0]
            );
        }
        byte_view.set([5], 4); // a byte of the third integer
        if cfg!(target_endian = "little") {
            assert_eq!(
                byte_view.view().to_list(),
                [254, 255, 255, 255, 0, 4, 1, 0, 2, 0]
            );
        }
    }
    // The third integer's bytes are now [0, 4]: 0 became 1024 on a little-endian machine
    // (the most significant byte is the second one).
    assert_eq!(numbers, [-2, -1, i16::from_ne_bytes([0, 4]), 1, 2]);
    if cfg!(target_endian = "little") {
        assert_eq!(numbers, [-2, -1, 1024, 1, 2]);
    }
    // The same cast from a read-only view, with the generic `cast::<u8>()` spelling.
    let again = View::new(&numbers).cast::<u8>()?;
    assert_eq!(again.get([5]), Some(4));
    assert_eq!(again.as_ptr(), numbers.as_ptr().cast::<u8>());
    Ok(())
}

// seed 000 "Superpower #2: Create Multi-Dimensional Views" /
// seed 002 "Superpower #2: Creating Multidimensional Views":
// `matrix_view = mem_view.cast('B', shape=[3, 4])`; `matrix_view[1, 2] = 99` changes flat[6].
#[test]
fn seed_000_002_cast_shape_3x4_matrix() -> TestResult {
    let mut flat_data: Vec<u8> = (0..12).collect();
    {
        let mem_view = ViewMut::new(&mut flat_data);
        let mut matrix_view = mem_view.cast_shape::<u8, 2>([3, 4])?;
        assert_eq!(
            matrix_view.view().to_list(),
            [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
        );
        assert_eq!((matrix_view.ndim(), matrix_view.shape()), (2, [3, 4]));
        assert_eq!(matrix_view.byte_strides(), [4, 1]);
        assert_eq!(matrix_view.get([1, 2]), Some(6));
        assert_eq!(matrix_view[[1, 2]], 6);
        matrix_view.set([1, 2], 99);
    }
    // The seventh element (index 6) of the flat buffer changed.
    assert_eq!(flat_data, [0, 1, 2, 3, 4, 5, 99, 7, 8, 9, 10, 11]);

    // Same-format cast with a shape is a plain reshape.
    let matrix = View::new(&flat_data).reshape([3, 4])?;
    assert_eq!(matrix.get([1, 2]), Some(99));
    assert_eq!(matrix.as_ptr(), flat_data.as_ptr());
    Ok(())
}

// seed 001 "The Core Concept: Zero-Copy Views":
// `mv[2:4] = b'XY'` gives b'ABXYEFGH'; `sub_view = mv[1:5]; sub_view[0] = 90` gives b'AZXYEFGH'.
#[test]
fn seed_001_core_concept_write_through_view_and_sub_view() -> TestResult {
    let mut data = b"ABCDEFGH".to_vec();
    {
        let mut mv = ViewMut::new(&mut data);
        mv.reborrow().slice(s![2..4])?.copy_from(View::new(b"XY"))?;
        assert_eq!(mv.view().to_bytes(Order::C), b"ABXYEFGH");

        // Slicing the view creates another view, not a copy.
        let mut sub_view = mv.reborrow().slice(s![1..5])?;
        assert_eq!(sub_view.offset_bytes(), 1);
        sub_view.set([0], 90); // ASCII 'Z'
    }
    assert_eq!(data, b"AZXYEFGH");
    Ok(())
}

// seed 001 "Understanding the Buffer Protocol and memoryview Creation":
// read-only view of bytes (`read_only_view[0] = 74` raises TypeError) and a writable view of a
// bytearray (`writable_view[0] = 87`). Also the pitfall "Read-Only Buffers" (`.readonly`).
#[test]
fn seed_001_read_only_and_writable_views() {
    let immutable_data: &[u8] = b"Hello";
    let read_only_view = View::new(immutable_data);
    // `read_only_view.set([0], 74)` does not compile: `View` has no writing method at all, so
    // Python's run-time `TypeError: cannot modify read-only memory` is a compile error here, and
    // `.readonly` is the type (`View` vs `ViewMut`) rather than a flag to check. The
    // compile_fail doctest on `View` in raw.rs proves `view.set(..)` is rejected.
    assert_eq!(read_only_view.get([0]), Some(b'H'));
    assert_eq!(read_only_view.to_bytes(Order::C), b"Hello");

    let mut mutable_data = b"World".to_vec();
    {
        let mut writable_view = ViewMut::new(&mut mutable_data);
        // The article's comment says this changes 'W' to 'w' and prints b'world'; 87 is 'W', so
        // CPython prints bytearray(b'World'). 'w' is 119.
        writable_view.set([0], 87);
        assert_eq!(writable_view.view().to_bytes(Order::C), b"World");
        writable_view.set([0], b'w');
        // Out-of-range writes are errors, not silent: Python's IndexError.
        assert_eq!(
            writable_view.try_set([5], b'!'),
            Err(ViewError::IndexOutOfRange {
                axis: 0,
                index: 5,
                len: 5
            })
        );
    }
    assert_eq!(mutable_data, b"world");
}

// seed 001 "Multi-Dimensional Interpretation with 'ndim' and 'shape'":
// `mv = memoryview(buffer).cast('i')` over 12 bytes: ndim 1, shape (3,), strides (4,), mv[0] 1,
// tolist [1, 2, 3].
#[test]
fn seed_001_cast_bytes_to_i32() -> TestResult {
    // bytearray([0x01, 0, 0, 0, 0x02, 0, 0, 0, 0x03, 0, 0, 0]), 4-aligned for native `i32`.
    let buffer = Aligned4([
        0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00,
    ]);
    let mv = View::new(&buffer.0[..]).cast::<i32>()?; // 'i' is the format code for signed int
    assert_eq!(mv.ndim(), 1);
    assert_eq!(mv.shape(), [3]);
    assert_eq!(mv.byte_strides(), [4]); // bytes between elements
    assert_eq!(mv.strides(), [1]); // the same, in elements
    assert_eq!((mv.format(), mv.itemsize(), mv.nbytes()), ("i", 4, 12));
    assert_eq!(mv.as_ptr().cast::<u8>(), buffer.0.as_ptr());
    // The values the article prints assume a little-endian machine.
    let expected: Vec<i32> = buffer
        .0
        .chunks_exact(4)
        .map(|c| i32::from_ne_bytes(c.try_into().expect("4 bytes")))
        .collect();
    assert_eq!(mv.to_list(), expected);
    if cfg!(target_endian = "little") {
        assert_eq!(mv.get([0]), Some(1));
        assert_eq!(mv.to_list(), [1, 2, 3]);
    }
    // Portable: the explicit little-endian type reads [1, 2, 3] on every machine, at any address.
    assert_eq!(
        View::new(&buffer.0[..]).cast::<I32Le>()?.to_list(),
        [1, 2, 3]
    );
    Ok(())
}

// seed 001 "Multi-Dimensional Interpretation", second half:
// `mv_2d = mv.cast('i', (3, 1))`: shape (3, 1), `mv_2d[2][0]` is 3.
// CPython actually rejects both lines: `cast('i', (3, 1))` on an 'i' view raises TypeError
// (cannot cast between two non-byte formats; it needs `mv.cast('B').cast('i', (3, 1))`) and
// `mv_2d[2]` raises NotImplementedError (multi-dimensional sub-views). viewlib does both.
#[test]
fn seed_001_cast_again_to_3x1() -> TestResult {
    let buffer = Aligned4([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]);
    let mv = View::new(&buffer.0[..]).cast::<I32Le>()?;

    // Same format, new shape: a reshape (or `cast_shape`, which allows a format change too).
    let mv_2d = mv.reshape([3, 1])?;
    assert_eq!(mv_2d.shape(), [3, 1]);
    assert_eq!(mv_2d.byte_strides(), [4, 4]); // what CPython reports for the (3, 1) view
    assert_eq!(mv_2d.get([2, 0]), Some(3)); // mv_2d[2, 0]
    assert_eq!(mv_2d.row(2)?.get([0]), Some(3)); // mv_2d[2][0]: a 1-D sub-view, then an item
    assert_eq!(mv_2d.to_list(), [[1], [2], [3]]);
    assert_eq!(mv_2d.as_ptr(), mv.as_ptr());

    // Python's cast from the native 'i' view, straight from the bytes.
    let native = View::new(&buffer.0[..]).cast_shape::<i32, 2>([3, 1])?;
    assert_eq!(native.shape(), [3, 1]);
    assert_eq!(native.byte_strides(), [4, 4]);
    assert_eq!(native.get([2, 0]), Some(i32::from_ne_bytes([3, 0, 0, 0])));

    // The rule the article states: the cast must keep the total size.
    assert_eq!(
        mv.reshape([2, 2]).unwrap_err(),
        ViewError::ReshapeCount { from: 3, to: 4 }
    );
    Ok(())
}

// seed 001 "Common Pitfalls": "Format and Platform Dependence" ('>i' / '<i' instead of 'i').
// CPython's `cast` only accepts native formats (`cast('>i')` raises ValueError); viewlib has
// explicit byte-order sample types.
#[test]
fn seed_001_endianness_guidance_explicit_byte_orders() -> TestResult {
    let mut word = Aligned4([0x01, 0x02, 0x03, 0x04]);

    let big = View::new(&word.0[..]).cast::<I32Be>()?;
    let little = View::new(&word.0[..]).cast::<I32Le>()?;
    let signed = View::new(&word.0[..]).cast::<i32>()?;
    let unsigned = View::new(&word.0[..]).cast::<u32>()?;
    assert_eq!(big.to_list(), [0x0102_0304]);
    assert_eq!(little.to_list(), [0x0403_0201]);
    assert_eq!(signed.to_list(), [i32::from_ne_bytes([1, 2, 3, 4])]);
    assert_eq!(unsigned.to_list(), [u32::from_ne_bytes([1, 2, 3, 4])]);
    assert_eq!(
        [
            big.format(),
            little.format(),
            signed.format(),
            unsigned.format()
        ],
        [">i", "<i", "i", "I"]
    );
    // Same bytes whatever the lens: `tobytes` never reorders.
    assert_eq!(big.to_bytes(Order::C), [1, 2, 3, 4]);
    assert_eq!(little.to_bytes(Order::C), [1, 2, 3, 4]);
    // Values compare across byte orders (as memoryview compares unpacked values).
    assert_eq!(big, View::new(&[I32Le::new(0x0102_0304)]));

    // Writing through an explicit byte order stores that order.
    ViewMut::new(&mut word.0[..]).cast::<I32Be>()?.set([0], -2);
    assert_eq!(word.0, [0xff, 0xff, 0xff, 0xfe]);

    // Explicit byte-order types have alignment 1: they read at any byte; native `i32` refuses a
    // misaligned start (Python would read it anyway).
    let packet = [0xaau8, 0, 0, 0, 0, 0, 0, 0, 7]; // a 1-byte header, then two words
    let odd = View::new(&packet[..]).slice(s![1..9])?;
    assert_eq!(odd.cast::<I32Be>()?.to_list(), [0, 7]);
    assert_eq!(odd.cast::<I32Le>()?.to_list(), [0, 0x0700_0000]);
    let native = Aligned4([0u8; 12]);
    let misaligned = View::new(&native.0[..]).slice(s![1..9])?;
    assert!(matches!(
        misaligned.cast::<i32>(),
        Err(ViewError::Misaligned { align: 4, .. })
    ));
    Ok(())
}

// seed 001 "Common Pitfalls": "Lifetime Management" (a view outliving its buffer crashes) and
// seed 003 best practices "Prevent memory leaks: mv.release()" / "Context managers: with".
// A view that outlives its buffer is a compile error (the compile_fail doctest on `View` in
// raw.rs); a view is released when it goes out of scope, which is `with memoryview(...)`.
#[test]
fn seed_001_003_lifetime_release_and_scopes() {
    let mut pixels = vec![1u8, 2, 3, 4];
    {
        // `with memoryview(pixels) as mv:`
        let mut mv = ViewMut::new(&mut pixels);
        mv.fill(7);
        // `pixels.push(5)` here would not compile (Python: BufferError, "Existing exports of
        // data: object cannot be re-sized").
    } // the view is released here
    pixels.push(5); // the buffer can be resized again
    assert_eq!(pixels, [7, 7, 7, 7, 5]);

    // `mv.release()` needs no call: views own nothing (no `Drop`, hence clippy's `drop_non_drop`
    // on `drop(mv)`), and the borrow ends at the view's last use.
    let mut mv = ViewMut::new(&mut pixels);
    mv.set([0], 9); // last use of `mv`: released
    pixels.truncate(1);
    assert_eq!(pixels, [9]);

    // A read-only `View` is `Copy` (dropping it does nothing): its borrow ends at its last use.
    let view = View::new(&pixels);
    let first = view.get([0]);
    pixels.clear();
    assert_eq!(first, Some(9));
    assert!(pixels.is_empty());
}

// seed 001 "Common Pitfalls": "Tobytes() Copies": `tobytes()` and `tolist()` are independent
// copies.
#[test]
fn seed_001_tobytes_and_tolist_copy() {
    let mut data = b"ABCD".to_vec();
    let (bytes, list) = {
        let view = View::new(&data);
        (view.to_bytes(Order::C), view.to_list())
    };
    assert_ne!(bytes.as_ptr(), data.as_ptr());
    data[0] = b'Z';
    assert_eq!(bytes, b"ABCD");
    assert_eq!(list, b"ABCD");
    assert_eq!(View::new(&data).to_bytes(Order::C), b"ZBCD");
}

// seed 003 "basic_memoryview.py": `mv[0]` 80, `mv[7]` 109, `mv[7:13].tobytes()` b'memory'.
#[test]
fn seed_003_basic_memoryview() -> TestResult {
    let data: &[u8] = b"Python memoryview";
    let mv = View::new(data);
    assert_eq!(mv.get([0]), Some(80)); // ASCII 'P'
    assert_eq!(mv.get([7]), Some(109)); // ASCII 'm'
    assert_eq!(mv[[7]], b'm');
    let memory = mv.slice(s![7..13])?;
    assert_eq!(memory.to_bytes(Order::C), b"memory");
    assert_eq!(memory.hex(), "6d656d6f7279");
    assert_eq!(memory.as_ptr(), data[7..].as_ptr()); // no copy until `to_bytes`
    Ok(())
}

// seed 003 "modify_data.py": `mv[7:9] = b'was'` then `mv[0] = 112`.
// The article is wrong: CPython raises ValueError ("memoryview assignment: lvalue and rvalue
// have different structures") because a 2-byte slice cannot take 3 bytes, and the buffer keeps
// its contents. viewlib returns the matching error and changes nothing.
#[test]
fn seed_003_modify_data() -> TestResult {
    let mut data = b"Python is great!".to_vec();
    {
        let mut mv = ViewMut::new(&mut data);
        let err = mv.reborrow().slice(s![7..9])?.copy_from(View::new(b"was"));
        assert_eq!(
            err,
            Err(ViewError::ShapeMismatch {
                axis: 0,
                expected: 2,
                found: 3
            })
        );
        assert_eq!(mv.view().to_bytes(Order::C), b"Python is great!");

        // A 2-byte slice takes exactly 2 bytes.
        mv.reborrow().slice(s![7..9])?.copy_from(View::new(b"IS"))?;
        assert_eq!(mv.view().to_bytes(Order::C), b"Python IS great!");

        mv.set([0], 112); // lowercase 'p'
    }
    assert_eq!(data, b"python IS great!");
    Ok(())
}

// seed 003 "array_processing.py": `mv[2]` is 30; `mv[1:4] = array('i', [25, 35, 45])`.
// Also seed 001 pitfall "Use with array.array for Homogeneous Data".
#[test]
fn seed_003_array_processing() -> TestResult {
    let mut numbers: Vec<i32> = vec![10, 20, 30, 40, 50];
    {
        let mut mv = ViewMut::new(&mut numbers);
        assert_eq!(mv.format(), "i"); // the view keeps the array's type
        assert_eq!(mv.get([2]), Some(30));
        let replacement: Vec<i32> = vec![25, 35, 45];
        mv.reborrow()
            .slice(s![1..4])?
            .copy_from(View::new(&replacement))?;
    }
    assert_eq!(numbers, [10, 25, 35, 45, 50]);
    Ok(())
}

/// seed 003's `invert_colors`: inverts in place through a view and returns the view.
fn invert_colors(image_data: &mut [u8]) -> View<'_, u8, 1> {
    let mut mv = ViewMut::new(image_data);
    for px in mv.iter_mut() {
        *px = 255 - *px;
    }
    mv.into_view()
}

// seed 003 "image_processing.py": `invert_colors(pixels)` gives
// [155, 105, 55, 0, 205, 180, 155, 0], in place.
#[test]
fn seed_003_image_processing_invert_colors() {
    let mut pixels = vec![100u8, 150, 200, 255, 50, 75, 100, 255];
    let base = pixels.as_ptr();
    let inverted = invert_colors(&mut pixels);
    assert_eq!(inverted.to_list(), [155, 105, 55, 0, 205, 180, 155, 0]);
    assert_eq!(inverted.as_ptr(), base); // the returned view is over the caller's pixels
    assert_eq!(pixels, [155, 105, 55, 0, 205, 180, 155, 0]);
}

// seed 003 "memory_efficiency.py": a 10 MB bytearray; `large_data[1_000_000:9_000_000]` copies
// 8 MB, `memoryview(large_data)[1_000_000:9_000_000]` is a few words.
#[test]
fn seed_003_memory_efficiency() -> TestResult {
    let large_data = vec![0u8; 10_000_000]; // 10 MB of zeros

    let slice_copy = large_data[1_000_000..9_000_000].to_vec();
    assert_eq!(slice_copy.len(), 8_000_000);
    assert!(slice_copy.capacity() >= 8_000_000); // 8.00 MB allocated

    let mv = View::new(&large_data);
    let mv_slice = mv.slice(s![1_000_000..9_000_000])?;
    assert_eq!(mv_slice.len(), 8_000_000);
    assert_eq!(mv_slice.nbytes(), 8_000_000);
    // Shares memory: it starts 1_000_000 bytes into the original buffer.
    assert_eq!(mv_slice.offset_bytes(), 1_000_000);
    assert_eq!(mv_slice.base_bytes(), 10_000_000);
    assert_eq!(mv_slice.as_ptr(), large_data[1_000_000..].as_ptr());
    // The view itself is tiny (Python reports 184 bytes for its memoryview object).
    assert!(size_of_val(&mv_slice) < 128, "{}", size_of_val(&mv_slice));
    // Only an explicit copy costs the 8 MB.
    assert_eq!(mv_slice.to_vec().len(), 8_000_000);
    Ok(())
}

//! Views are zero-copy: building, deriving, casting, splitting, indexing and iterating them, and
//! writing through them, allocate nothing. A counting global allocator proves it.
//!
//! The test harness allocates on its own threads while tests run, so the count is kept per
//! thread: each measurement only sees the allocations of the code it runs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::hint::black_box;

use rayon::prelude::*;
use viewlib::{Order, Slice, U16Be, U32Be, View, ViewError, ViewMut, s};

/// `System`, counting the allocations of each thread.
struct Counting;

thread_local! {
    // A const initializer and no destructor: touching it never allocates, not even lazily.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count_one() {
    // `try_with` fails only while the thread is being torn down: nothing to measure then.
    let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
}

// SAFETY: every method forwards its arguments unchanged to `System`, which implements
// `GlobalAlloc` correctly; counting only touches a thread-local `Cell`, which neither allocates
// nor unwinds.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, which `System` shares.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: the caller upholds `GlobalAlloc::alloc_zeroed`'s contract, which `System`
        // shares.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`, with `layout`; the
        // caller upholds the rest of `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by this allocator, i.e. by `System`, with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// How many allocations `f` makes on this thread.
fn allocations_in(f: impl FnOnce() -> Result<(), ViewError>) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    black_box(f()).expect("the measured code succeeds");
    ALLOCATIONS.with(Cell::get) - before
}

/// An RGB image, 6 rows of 8 pixels, C order.
fn image_u8() -> Vec<u8> {
    (0..6 * 8 * 3).map(|v| v as u8).collect()
}

#[test]
fn the_counter_sees_allocations() {
    let px = image_u8();
    let image = View::from_slice(&px, [6, 8, 3]).unwrap();
    assert!(
        allocations_in(|| {
            let _ = black_box(image.to_vec());
            Ok(())
        }) >= 1
    );
    assert!(
        allocations_in(|| {
            let _ = black_box(image.crop(1, 1, 3, 2)?.to_bytes(Order::F));
            Ok(())
        }) >= 1
    );
    assert!(
        allocations_in(|| {
            let _ = black_box(image.pixel(0, 0)?.to_list());
            Ok(())
        }) >= 1
    );
}

#[test]
fn creating_views_allocates_nothing() {
    let px = image_u8();
    let mut buf = image_u8();
    let padded = [0u8; 4 * 10];
    let n = allocations_in(|| {
        let _ = black_box(View::from_slice(&px, [6, 8, 3])?);
        let _ = black_box(View::new(&px[..]));
        let _ = black_box(View::from_slice_with_strides(
            &padded,
            [4, 3, 3],
            [10, 3, 1],
            0,
        )?);
        let _ = black_box(View::from_slice_with_strides(
            &padded,
            [4, 3],
            [-10, 3],
            30,
        )?);
        let _ = black_box(View::from_slice_with_strides(&padded, [5, 10], [0, 1], 10)?);
        let _ = black_box(ViewMut::from_slice(&mut buf, [6, 8, 3])?);
        let _ = black_box(ViewMut::from_slice_with_strides(
            &mut buf,
            [6, 4, 3],
            [24, 6, 1],
            0,
        )?);
        let _ = black_box(ViewMut::new(&mut buf[..]));
        // Errors allocate nothing either.
        assert!(View::from_slice(&px, [5, 5, 5]).is_err());
        assert!(ViewMut::from_slice_with_strides(&mut buf, [3, 3], [0, 1], 0).is_err());
        Ok(())
    });
    assert_eq!(n, 0);
}

#[test]
fn slicing_allocates_nothing() {
    let px = image_u8();
    let mut buf = image_u8();
    let n = allocations_in(|| {
        let image = View::from_slice(&px, [6, 8, 3])?;
        let _ = black_box(image.slice([
            Slice::new(Some(1), Some(-1), 2),
            Slice::REVERSED,
            Slice::FULL,
        ])?);
        let _ = black_box(image.slice(s![1..5; 2, ..;-1, 0..2])?);
        let _ = black_box(image.slice_along(1, 2..6)?);
        let _ = black_box(image.crop(2, 1, 4, 3)?);
        let _ = black_box(image.channel(1)?);
        let _ = black_box(image.channel_range(0..2)?);
        let _ = black_box(image.row(3)?);
        let _ = black_box(image.row(3)?.column(2)?);
        let _ = black_box(image.pixel(7, 5)?);
        let _ = black_box(image.flip(0)?);
        let _ = black_box(image.flip_horizontal());
        let _ = black_box(image.flip_vertical());
        let _ = black_box(image.transpose());
        let _ = black_box(image.permute_axes([2, 0, 1])?);
        let _ = black_box(image.reverse_axes());
        let _ = black_box(image.crop(1, 1, 2, 2)?.position_in(&image));
        let _ = black_box(image.crop(9, 0, 1, 1).is_err());
        let mut writable = ViewMut::from_slice(&mut buf, [6, 8, 3])?;
        let _ = black_box(writable.reborrow().slice(s![.., 1..;3, ..])?);
        let _ = black_box(writable.reborrow().crop(2, 1, 4, 3)?.flip_horizontal());
        let _ = black_box(writable.reborrow().channel(2)?.transpose());
        let _ = black_box(writable.reborrow().row(0)?);
        let _ = black_box(writable.reborrow().pixel(1, 1)?);
        let _ = black_box(writable.reborrow().permute_axes([1, 0, 2])?);
        let _ = black_box(writable.view());
        let _ = black_box(writable.into_view());
        Ok(())
    });
    assert_eq!(n, 0);
}

#[test]
fn casting_allocates_nothing() {
    let words: Vec<u16> = (0..6 * 8 * 4).collect();
    let mut words_mut = words.clone();
    let n = allocations_in(|| {
        let wide = View::from_slice(&words, [6, 8, 4])?;
        let bytes = wide.as_bytes()?;
        let _ = black_box(bytes.cast::<u16>()?);
        let _ = black_box(bytes.cast::<U16Be>()?);
        let _ = black_box(bytes.cast::<U32Be>()?);
        let _ = black_box(wide.cast::<u8>()?);
        let _ = black_box(wide.cast_shape::<u8, 1>([6 * 8 * 8])?);
        let _ = black_box(bytes.cast_shape::<U16Be, 2>([48, 4])?);
        let _ = black_box(wide.reshape([48, 4])?);
        let _ = black_box(wide.reshape::<1>([192])?);
        let _ = black_box(wide.crop(1, 1, 2, 2)?.reshape([16]).is_err());
        let _ = black_box(bytes.crop(1, 1, 2, 2)?.cast::<U32Be>()?);
        let writable = ViewMut::from_slice(&mut words_mut, [6, 8, 4])?;
        let writable_bytes = writable.as_bytes()?;
        let _ = black_box(
            writable_bytes
                .cast_shape::<U16Be, 3>([6, 8, 4])?
                .reshape([12, 16])?,
        );
        Ok(())
    });
    assert_eq!(n, 0);
}

#[test]
fn splitting_allocates_nothing() {
    let px = image_u8();
    let mut buf = image_u8();
    let n = allocations_in(|| {
        let image = View::from_slice(&px, [6, 8, 3])?;
        let (top, bottom) = image.split_at(0, 2)?;
        let _ = black_box((top, bottom));
        for band in image.bands(4)? {
            let _ = black_box(band);
        }
        for tile in image.tiles(4, 3)? {
            let _ = black_box(tile);
        }
        for row in image.rows() {
            let _ = black_box(row);
        }
        for channel in image.split_channels() {
            let _ = black_box(channel);
        }
        for chunk in image.axis_chunks(1, 5)? {
            let _ = black_box(chunk);
        }
        let mut writable = ViewMut::from_slice(&mut buf, [6, 8, 3])?;
        let (left, right) = writable.reborrow().split_at(1, 3)?;
        let _ = black_box((left, right));
        for mut band in writable.reborrow().bands(4)? {
            band.fill(1);
        }
        for (k, mut tile) in writable.reborrow().tiles(4, 3)?.enumerate() {
            tile.fill(k as u8);
        }
        for mut row in writable.reborrow().rows() {
            row.set([0, 0], 7);
        }
        for mut channel in writable.reborrow().split_channels() {
            channel.fill(9);
        }
        for chunk in writable.reborrow().axis_chunks(2, 2)? {
            let _ = black_box(chunk);
        }
        Ok(())
    });
    assert_eq!(n, 0);
}

#[test]
fn parallel_parts_allocate_nothing() {
    // On a pool of one thread every cut rayon asks for and every part is made on the thread
    // counted. The pool's own job queue is allocated once, by a first run.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| (0..64).into_par_iter().with_max_len(1).for_each(|_| {}));
    let px = image_u8();
    let mut buf = image_u8();
    let n = pool.install(|| {
        allocations_in(|| {
            let mut writable = ViewMut::from_slice(&mut buf, [6, 8, 3])?;
            writable
                .reborrow()
                .par_tiles(4, 3)?
                .with_max_len(1)
                .enumerate()
                .for_each(|(k, mut tile)| tile.fill(k as u8));
            let image = View::from_slice(&px, [6, 8, 3])?.flip_horizontal();
            writable
                .reborrow()
                .transpose()
                .par_tiles(3, 2)?
                .zip(image.transpose().par_tiles(3, 2)?)
                .rev()
                .with_max_len(1)
                .for_each(|(mut tile, from)| tile.copy_from(from).expect("tiles of one shape"));
            writable
                .bands(4)?
                .into_par_iter()
                .with_max_len(1)
                .for_each(|mut band| band.fill(1));
            Ok(())
        })
    });
    assert_eq!(n, 0);
}

#[test]
fn indexing_allocates_nothing() {
    let px = image_u8();
    let mut buf = image_u8();
    let n = allocations_in(|| {
        let image = View::from_slice(&px, [6, 8, 3])?;
        let mut sum = 0u32;
        for y in 0..6 {
            for x in 0..8 {
                for c in 0..3 {
                    sum += u32::from(image.get([y, x, c]).unwrap_or(0));
                    sum += u32::from(image.try_get([y, x, c])?);
                    sum += u32::from(image[[y, x, c]]);
                }
            }
        }
        let _ = black_box(sum);
        let _ = black_box(image.get([6, 0, 0]));
        let _ = black_box(image.try_get([0, 8, 0]).is_err());
        let _ = black_box(image.get_ref([1, 1, 1]));
        let mut writable = ViewMut::from_slice(&mut buf, [6, 8, 3])?;
        writable.set([1, 2, 0], 42);
        writable.try_set([1, 2, 1], 43)?;
        let _ = black_box(writable.try_set([9, 9, 9], 0).is_err());
        writable[[1, 2, 2]] = 44;
        if let Some(sample) = writable.get_mut([0, 0, 0]) {
            *sample = 45;
        }
        let _ = black_box(writable[[1, 2, 2]]);
        let _ = black_box(writable.get([1, 2, 0]));
        let be = View::new(&px[..]).cast::<U16Be>()?;
        let _ = black_box(be.get([3]));
        Ok(())
    });
    assert_eq!(n, 0);
}

#[test]
fn iterating_and_writing_allocate_nothing() {
    let px = image_u8();
    let mut buf = image_u8();
    let source = image_u8();
    let n = allocations_in(|| {
        let image = View::from_slice(&px, [6, 8, 3])?;
        let mut sum = 0u32;
        for lane in image.flip_horizontal().transpose().lanes() {
            sum += lane.iter().map(|&v| u32::from(v)).sum::<u32>();
        }
        sum += image.values().map(u32::from).sum::<u32>();
        sum += image.iter().map(|&v| u32::from(v)).sum::<u32>();
        let _ = black_box(sum);
        let _ = black_box(image == image.flip(0)?.flip(0)?);
        let mut writable = ViewMut::from_slice(&mut buf, [6, 8, 3])?;
        for mut lane in writable.reborrow().channel(1)?.lanes_mut() {
            for v in lane.iter_mut() {
                *v = v.wrapping_add(1);
            }
        }
        writable.iter_mut().for_each(|v| *v ^= 0x55);
        writable.fill(3);
        writable.reborrow().crop(1, 1, 4, 3)?.fill(4);
        writable.reborrow().channel(0)?.fill(5);
        // Assignment, both contiguous and strided.
        let src = View::from_slice(&source, [6, 8, 3])?;
        writable.copy_from(src)?;
        writable
            .reborrow()
            .flip_horizontal()
            .crop(0, 0, 5, 2)?
            .copy_from(src.crop(3, 4, 5, 2)?.transpose().transpose())?;
        let _ = black_box(writable.copy_from(src.crop(0, 0, 1, 1)?).is_err());
        if let Some(slice) = writable.as_slice_mut() {
            slice[0] = 1;
        }
        Ok(())
    });
    assert_eq!(n, 0);
}

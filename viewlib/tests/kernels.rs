//! Kernels against their sequential references: odd sizes (vector tails), every layout
//! (contiguous, crop, channel range, flips, transpose, quarter turns), sizes on both sides of the parallel
//! cut-off, 1, 2 and 7 threads. The whole buffer is compared, so a kernel that writes outside
//! its view fails too.

use viewlib::ops::{Alpha, Invert, Luma, LumaWeights, reference};
use viewlib::{Sample, View, ViewMut};

/// Sizes `[height, width]`: tiny, odd, and one whose whole, flipped and transposed layouts are
/// above `PARALLEL_MIN_BYTES` (613 x 431 x 4 x u8 is 1.06 MB).
const SIZES: [[usize; 2]; 5] = [[1, 1], [3, 7], [17, 65], [2, 1], [613, 431]];
const CHANNELS: [usize; 4] = [1, 2, 3, 4];

/// A layout to derive from a whole `[h, w, c]` image.
#[derive(Debug, Clone, Copy)]
enum Shape {
    Whole,
    Crop,
    FlipH,
    FlipV,
    Transpose,
    Rotate90,
    Rotate270,
    Rotate180,
    ColourOnly,
    EveryOther,
    ChannelsReversed,
}
const SHAPES: [Shape; 11] = [
    Shape::Whole,
    Shape::Crop,
    Shape::FlipH,
    Shape::FlipV,
    Shape::Transpose,
    Shape::Rotate90,
    Shape::Rotate270,
    Shape::Rotate180,
    Shape::ColourOnly,
    Shape::EveryOther,
    Shape::ChannelsReversed,
];

fn derive<T: Sample>(v: ViewMut<'_, T, 3>, shape: Shape) -> ViewMut<'_, T, 3> {
    let [h, w, c] = v.shape();
    match shape {
        Shape::Whole => v,
        Shape::Crop => v.crop(w / 3, h / 4, w - w / 3 - w / 5, h - h / 4).unwrap(),
        Shape::FlipH => v.flip_horizontal(),
        Shape::FlipV => v.flip_vertical(),
        Shape::Transpose => v.transpose(),
        // `np.rot90(a)` and `np.rot90(a, -1)`: transposed, and mirrored one way or the other.
        Shape::Rotate90 => v.flip_horizontal().transpose(),
        Shape::Rotate270 => v.transpose().flip_horizontal(),
        Shape::Rotate180 => v.flip_vertical().flip_horizontal(),
        Shape::ColourOnly => v.channel_range(..c.saturating_sub(1).max(1)).unwrap(),
        Shape::EveryOther => v.slice(viewlib::s![..;2, 1..;2, ..]).unwrap(),
        Shape::ChannelsReversed => v.flip(2).unwrap(),
    }
}

fn samples<T: Sample>(len: usize, make: impl Fn(usize) -> T) -> Vec<T> {
    (0..len).map(make).collect()
}

/// The pool sizes every kernel runs with: one thread, this machine's two cores, and more
/// threads than rows in the small images.
const ALL_THREADS: [usize; 3] = [1, 2, 7];

/// [`ALL_THREADS`], or those of them `VIEWLIB_TEST_THREADS` lists (comma-separated, e.g.
/// `2`): CI's AddressSanitizer run, where every kernel call costs about four times as much,
/// takes one pool size that splits the work; the other runs take all three.
fn thread_counts() -> &'static [usize] {
    static COUNTS: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();
    COUNTS.get_or_init(|| match std::env::var("VIEWLIB_TEST_THREADS") {
        Ok(list) => {
            let counts: Vec<usize> = list
                .split(',')
                .map(|n| n.trim().parse().expect("VIEWLIB_TEST_THREADS: numbers"))
                .collect();
            assert!(
                !counts.is_empty() && counts.iter().all(|n| ALL_THREADS.contains(n)),
                "VIEWLIB_TEST_THREADS: some of {ALL_THREADS:?}, not {list:?}"
            );
            counts
        }
        Err(_) => ALL_THREADS.to_vec(),
    })
}

/// Runs `work` with `threads` threads (one of [`ALL_THREADS`]), by turns in the two ways a
/// kernel splits its work: on a pool's worker (`install`: rayon's work stealing) and on this
/// thread beside a pool's threads (`on_this_thread_and`: pieces off the front). The pools are
/// built once: building thousands of them cost more than the kernels, several minutes under
/// AddressSanitizer.
fn with_threads(threads: usize, work: impl FnOnce() + Send) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static POOLS: std::sync::OnceLock<Vec<std::sync::Arc<rayon::ThreadPool>>> =
        std::sync::OnceLock::new();
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let pools = POOLS.get_or_init(|| {
        ALL_THREADS
            .iter()
            .map(|&n| {
                std::sync::Arc::new(
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(n)
                        .build()
                        .unwrap(),
                )
            })
            .collect()
    });
    let pool = &pools[ALL_THREADS.iter().position(|&n| n == threads).unwrap()];
    if CALLS.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
        pool.install(work);
    } else {
        viewlib::ops::on_this_thread_and(pool, work);
    }
}

/// Runs `kernel` and `reference` on the same layout of two copies of one image and compares
/// the whole buffers.
fn check<T: Sample>(
    make: impl Fn(usize) -> T + Copy,
    kernel: impl Fn(ViewMut<'_, T, 3>) + Sync,
    reference: impl Fn(&mut ViewMut<'_, T, 3>),
) where
    T::Value: PartialEq,
{
    for [h, w] in SIZES {
        for c in CHANNELS {
            for shape in SHAPES {
                let original = samples(h * w * c, make);
                let mut expected = original.clone();
                let mut view = derive(
                    ViewMut::from_slice(&mut expected, [h, w, c]).unwrap(),
                    shape,
                );
                reference(&mut view);
                for &threads in thread_counts() {
                    let mut got = original.clone();
                    with_threads(threads, || {
                        kernel(derive(
                            ViewMut::from_slice(&mut got, [h, w, c]).unwrap(),
                            shape,
                        ))
                    });
                    let same = got
                        .iter()
                        .zip(&expected)
                        .all(|(a, b)| a.to_value() == b.to_value());
                    assert!(same, "{h}x{w}x{c} {shape:?} with {threads} threads");
                }
            }
        }
    }
}

fn check_invert<T: Invert>(make: impl Fn(usize) -> T + Copy) {
    check(
        make,
        |v| v.invert_samples_in_place(),
        |v| reference::invert_samples(v),
    );
    check(
        make,
        |v| v.invert_in_place(Alpha::Invert),
        |v| reference::invert_samples(v),
    );
    check(
        make,
        |v| v.invert_in_place(Alpha::Keep),
        |v| {
            let c = v.channels();
            let colour: Vec<usize> = if c == 2 || c == 4 {
                (0..c - 1).collect()
            } else {
                (0..c).collect()
            };
            reference::invert_channels(v, &colour)
        },
    );
    check(
        make,
        |v| {
            let last = v.channels() - 1;
            v.invert_channels_in_place(&[last]).unwrap()
        },
        |v| {
            let last = v.channels() - 1;
            reference::invert_channels(v, &[last])
        },
    );
    // A channel through its strided view.
    check(
        make,
        |v| v.channel(0).unwrap().invert_samples_in_place(),
        |v| reference::invert_channels(v, &[0]),
    );
}

#[test]
fn invert_u8() {
    check_invert(|i| (i * 31 % 251) as u8);
}

#[test]
fn invert_u16() {
    check_invert(|i| (i * 7919 % 65521) as u16);
}

#[test]
fn invert_f32() {
    check_invert(|i| (i % 1000) as f32 / 999.0);
}

#[test]
fn invert_big_endian_u16() {
    check_invert(|i| viewlib::U16Be::new((i * 40503 % 65536) as u16));
}

#[test]
fn invert_big_endian_u16_at_odd_addresses() {
    // A 16-bit PNM's samples start wherever its header ends: byte-order samples have
    // alignment 1 and must be inverted at any address, in every kernel path.
    for channels in [1, 3, 4] {
        let (h, w) = (9, 37);
        let mut bytes: Vec<u8> = (0..1 + h * w * channels * 2)
            .map(|i| (i * 37) as u8)
            .collect();
        let expected: Vec<u8> = bytes.iter().map(|b| !b).collect();
        let samples: &mut [viewlib::U16Be] = bytemuck::cast_slice_mut(&mut bytes[1..]);
        assert_eq!(samples.as_ptr() as usize % 2, 1, "odd address");
        ViewMut::from_slice(samples, [h, w, channels])
            .unwrap()
            .invert_in_place(Alpha::Invert);
        assert_eq!(bytes[1..], expected[1..]);
        let samples: &mut [viewlib::U16Be] = bytemuck::cast_slice_mut(&mut bytes[1..]);
        let image = ViewMut::from_slice(samples, [h, w, channels]).unwrap();
        image.invert_channels_in_place(&[0]).unwrap();
        for (k, pair) in bytes[1..].chunks(2).enumerate() {
            let inverted_twice = k % channels == 0;
            let want = if inverted_twice {
                [!expected[1 + 2 * k], !expected[2 + 2 * k]]
            } else {
                [expected[1 + 2 * k], expected[2 + 2 * k]]
            };
            assert_eq!(pair, want, "sample {k} of {channels}-channel");
        }
    }
}

#[test]
fn invert_matches_image_crate() {
    use image::{DynamicImage, RgbImage, Rgba, RgbaImage};
    let rgba = RgbaImage::from_fn(67, 31, |x, y| Rgba([x as u8, y as u8, (x * y) as u8, 200]));
    let mut ours = rgba.clone();
    ViewMut::from_image(&mut ours).invert_in_place(Alpha::Keep);
    let mut theirs = DynamicImage::ImageRgba8(rgba);
    theirs.invert();
    assert_eq!(
        ours,
        theirs.into_rgba8(),
        "image keeps alpha, as Alpha::Keep does"
    );

    let rgb = RgbImage::from_fn(67, 31, |x, y| image::Rgb([x as u8, y as u8, 7]));
    let mut ours = rgb.clone();
    ViewMut::from_image(&mut ours).invert_in_place(Alpha::Keep);
    let mut theirs = rgb;
    image::imageops::invert(&mut theirs);
    assert_eq!(ours, theirs);
}

#[test]
fn invalid_channels_are_errors_and_change_nothing() {
    let mut px = vec![1u8; 2 * 2 * 3];
    let v = ViewMut::from_slice(&mut px, [2, 2, 3]).unwrap();
    assert_eq!(
        v.invert_channels_in_place(&[0, 5]),
        Err(viewlib::ViewError::IndexOutOfRange {
            axis: 2,
            index: 5,
            len: 3
        })
    );
    assert!(px.iter().all(|&v| v == 1));
}

/// Copies: every source layout into a fresh contiguous buffer and into a strided destination,
/// against the element-by-element reference (`to_vec` walks indices one by one).
#[test]
fn copies_materialize_every_layout() {
    for [h, w] in SIZES {
        for c in CHANNELS {
            for shape in SHAPES {
                let mut px: Vec<u16> = samples(h * w * c, |i| i as u16);
                let src =
                    derive(ViewMut::from_slice(&mut px, [h, w, c]).unwrap(), shape).into_view();
                let expected = src.to_vec();
                for &threads in thread_counts() {
                    with_threads(threads, || {
                        let owned = src.to_image_buf().unwrap();
                        assert_eq!(owned.as_slice(), expected, "{h}x{w}x{c} {shape:?}");
                        // Into the middle of a bigger, flipped destination.
                        let [sh, sw, sc] = src.shape();
                        let mut big = vec![0u16; (sh + 2) * (sw + 3) * sc];
                        let mut dst = ViewMut::from_slice(&mut big, [sh + 2, sw + 3, sc])
                            .unwrap()
                            .crop(1, 1, sw, sh)
                            .unwrap()
                            .flip_horizontal();
                        dst.copy_from(src).unwrap();
                        let back = viewlib::View::from_slice(&big, [sh + 2, sw + 3, sc])
                            .unwrap()
                            .crop(1, 1, sw, sh)
                            .unwrap()
                            .flip_horizontal();
                        assert_eq!(back.to_vec(), expected);
                        let border: usize = big.iter().filter(|&&v| v == 0).count();
                        let zeros_in_src = expected.iter().filter(|&&v| v == 0).count();
                        assert_eq!(
                            border,
                            big.len() - expected.len() + zeros_in_src,
                            "wrote outside"
                        );
                        // Into a destination whose channels run backwards (RGB stored as BGR).
                        let mut reversed = vec![0u16; sh * sw * sc];
                        let dst = ViewMut::from_slice(&mut reversed, [sh, sw, sc]).unwrap();
                        dst.flip(2).unwrap().copy_from(src).unwrap();
                        let back = viewlib::View::from_slice(&reversed, [sh, sw, sc]).unwrap();
                        let back = back.flip(2).unwrap().to_vec();
                        assert_eq!(back, expected, "{h}x{w}x{c} {shape:?} into BGR");
                    });
                }
            }
        }
    }
}

#[test]
fn channel_extraction_split_and_merge() {
    for [h, w] in SIZES {
        for c in CHANNELS {
            for shape in SHAPES {
                let mut px: Vec<u8> = samples(h * w * c, |i| (i * 13 % 256) as u8);
                let image =
                    derive(ViewMut::from_slice(&mut px, [h, w, c]).unwrap(), shape).into_view();
                for &threads in thread_counts() {
                    with_threads(threads, || {
                        let planes = image.split_into_planes().unwrap();
                        assert_eq!(planes.len(), image.channels());
                        for (k, plane) in planes.iter().enumerate() {
                            assert_eq!(
                                plane.as_slice(),
                                image.channel(k).unwrap().to_vec(),
                                "{h}x{w}x{c} {shape:?} channel {k}"
                            );
                        }
                        let views: Vec<_> = planes
                            .iter()
                            .map(|p| p.view().channel(0).unwrap())
                            .collect();
                        // The same split into caller-supplied planes.
                        let [ih, iw, ic] = image.shape();
                        let mut own: Vec<Vec<u8>> = (0..ic).map(|_| vec![0u8; ih * iw]).collect();
                        let dsts = own
                            .iter_mut()
                            .map(|p| ViewMut::from_slice(p, [ih, iw]).unwrap());
                        image.split_into_planes_into(dsts).unwrap();
                        for (k, p) in own.iter().enumerate() {
                            assert_eq!(p, planes[k].as_slice());
                        }
                        let [ih, iw, ic] = image.shape();
                        let mut merged = vec![0u8; ih * iw * ic];
                        ViewMut::from_slice(&mut merged, [ih, iw, ic])
                            .unwrap()
                            .merge_planes(&views)
                            .unwrap();
                        assert_eq!(merged, image.to_vec());
                    });
                }
            }
        }
    }
}

#[test]
fn crop_materialization_matches_image_crate() {
    let rgba = image::RgbaImage::from_fn(301, 257, |x, y| {
        image::Rgba([x as u8, y as u8, (x ^ y) as u8, 9])
    });
    let ours = viewlib::View::from_image(&rgba)
        .crop(17, 33, 200, 150)
        .unwrap()
        .to_image_buf()
        .unwrap();
    let theirs = image::imageops::crop_imm(&rgba, 17, 33, 200, 150).to_image();
    assert_eq!(ours.into_image::<image::Rgba<u8>>().unwrap(), theirs);
}

#[test]
fn copy_shape_errors() {
    let src = [0u8; 6];
    let mut dst = [0u8; 4];
    let err = ViewMut::from_slice(&mut dst, [2, 2, 1])
        .unwrap()
        .copy_from(viewlib::View::from_slice(&src, [2, 3, 1]).unwrap());
    assert_eq!(
        err,
        Err(viewlib::ViewError::ShapeMismatch {
            axis: 1,
            expected: 2,
            found: 3
        })
    );
    let mut plane = [0u8; 3];
    let rgb = viewlib::View::from_slice(&src, [1, 2, 3]).unwrap();
    assert!(
        rgb.extract_channel_into(0, ViewMut::from_slice(&mut plane, [1, 3]).unwrap())
            .is_err()
    );
    assert!(rgb.extract_channel(3).is_err());
    let (mut a, mut b) = ([0u8; 2], [0u8; 2]);
    let two = [
        ViewMut::from_slice(&mut a, [1, 2]).unwrap(),
        ViewMut::from_slice(&mut b, [1, 2]).unwrap(),
    ];
    assert_eq!(
        rgb.split_into_planes_into(two),
        Err(viewlib::ViewError::ShapeMismatch {
            axis: 2,
            expected: 3,
            found: 2
        })
    );
}

/// Flips of every layout against the flipped view's copy, for a sample type (pixels of 1 to 16
/// bytes: the 3- and 4-byte ones take the byte-shuffle paths).
fn check_flips<T: Sample + PartialEq>(make: impl Fn(usize) -> T + Copy) {
    for [h, w] in SIZES {
        for c in CHANNELS {
            for shape in SHAPES {
                let original: Vec<T> = samples(h * w * c, make);
                for vertical in [false, true] {
                    // The references, made once for every pool size: the flipped view's copy,
                    // and what must not change (the buffer with the view's elements blanked).
                    let mut scratch = original.clone();
                    let view = derive(ViewMut::from_slice(&mut scratch, [h, w, c]).unwrap(), shape);
                    let expected = if vertical {
                        view.view().flip_vertical().to_vec()
                    } else {
                        view.view().flip_horizontal().to_vec()
                    };
                    let mut outside = original.clone();
                    derive(ViewMut::from_slice(&mut outside, [h, w, c]).unwrap(), shape)
                        .fill(T::zeroed().to_value());
                    for &threads in thread_counts() {
                        let mut px = original.clone();
                        let view = derive(ViewMut::from_slice(&mut px, [h, w, c]).unwrap(), shape);
                        with_threads(threads, || {
                            if vertical {
                                view.flip_vertical_in_place()
                            } else {
                                view.flip_horizontal_in_place()
                            }
                        });
                        let after = derive(ViewMut::from_slice(&mut px, [h, w, c]).unwrap(), shape)
                            .into_view()
                            .to_vec();
                        assert_eq!(
                            after, expected,
                            "{h}x{w}x{c} {shape:?} vertical={vertical} on {threads} threads"
                        );
                        derive(ViewMut::from_slice(&mut px, [h, w, c]).unwrap(), shape)
                            .fill(T::zeroed().to_value());
                        assert_eq!(px, outside, "wrote outside the view");
                    }
                }
            }
        }
    }
}

// One test per sample type, so that the test threads share them out.
#[test]
fn flips_in_place_u8() {
    check_flips(|i| (i * 7 % 256) as u8);
}

#[test]
fn flips_in_place_u16() {
    check_flips(|i| (i * 7919 % 65536) as u16);
}

#[test]
fn flips_in_place_f32() {
    check_flips(|i| i as f32);
}

#[test]
fn flips_match_image_crate() {
    let rgb = image::RgbImage::from_fn(67, 31, |x, y| image::Rgb([x as u8, y as u8, 3]));
    let mut ours = rgb.clone();
    ViewMut::from_image(&mut ours).flip_horizontal_in_place();
    assert_eq!(ours, image::imageops::flip_horizontal(&rgb));
    let mut ours = rgb.clone();
    ViewMut::from_image(&mut ours).flip_vertical_in_place();
    assert_eq!(ours, image::imageops::flip_vertical(&rgb));
}

#[test]
fn rotations_match_image_crate_and_compose_to_the_identity() {
    let rgb = image::RgbImage::from_fn(67, 31, |x, y| image::Rgb([x as u8, y as u8, 3]));
    let view = View::from_image(&rgb);
    let turned = [
        (view.rotate90(), image::imageops::rotate90(&rgb)),
        (view.rotate180(), image::imageops::rotate180(&rgb)),
        (view.rotate270(), image::imageops::rotate270(&rgb)),
    ];
    for (ours, theirs) in turned {
        let [h, w, _] = ours.shape();
        assert_eq!((w as u32, h as u32), theirs.dimensions());
        assert_eq!(ours.to_vec(), theirs.into_raw());
    }
    // Views, not copies: four quarter turns give the same view back.
    let around = view.rotate90().rotate90().rotate90().rotate90();
    assert_eq!(
        (around.shape(), around.strides()),
        (view.shape(), view.strides())
    );
    assert_eq!(around.offset_bytes(), view.offset_bytes());
    let back = view.rotate90().rotate270();
    assert_eq!(
        (back.strides(), back.offset_bytes()),
        (view.strides(), view.offset_bytes())
    );
}

#[test]
fn every_exif_orientation_matches_image_crate() {
    let rgb = image::RgbImage::from_fn(13, 7, |x, y| image::Rgb([x as u8, y as u8, 3]));
    for tag in 1..=8 {
        let orientation = image::metadata::Orientation::from_exif(tag).unwrap();
        let mut theirs = image::DynamicImage::ImageRgb8(rgb.clone());
        theirs.apply_orientation(orientation);
        let ours = View::from_image(&rgb).oriented(orientation);
        let [h, w, _] = ours.shape();
        assert_eq!(
            (w as u32, h as u32),
            (theirs.width(), theirs.height()),
            "EXIF {tag}"
        );
        assert_eq!(ours.to_vec(), theirs.into_bytes(), "EXIF {tag}");
    }
}

#[test]
fn channel_operations_in_place() {
    let make = |i: usize| (i * 29 % 256) as u8;
    for target in [0usize, 1] {
        check(
            make,
            |v| {
                let c = target.min(v.channels() - 1);
                v.fill_channel_in_place(c, 77).unwrap()
            },
            |v| {
                let c = target.min(v.channels() - 1);
                reference::fill_channel(v, c, 77)
            },
        );
        check(
            make,
            |v| {
                let c = target.min(v.channels() - 1);
                v.keep_channel_in_place(c).unwrap()
            },
            |v| {
                let c = target.min(v.channels() - 1);
                reference::keep_channel(v, c)
            },
        );
    }
    check(
        make,
        |v| {
            let last = v.channels() - 1;
            v.swap_channels_in_place(last, 0).unwrap()
        },
        |v| {
            let last = v.channels() - 1;
            reference::swap_channels(v, last, 0)
        },
    );
    let mut px = [0u8; 6];
    let v = ViewMut::from_slice(&mut px, [1, 2, 3]).unwrap();
    assert!(v.swap_channels_in_place(0, 3).is_err());
}

#[test]
fn lookup_tables() {
    use viewlib::ops::Lut;
    let lut8 = Lut::<u8>::gamma(0.7)
        .then(&Lut::contrast(1.3))
        .then(&Lut::brightness(-0.05));
    check(
        |i| (i * 31 % 256) as u8,
        |v| v.map_in_place(&lut8),
        |v| reference::map(v, |x| lut8.get(x)),
    );
    let lut16 = Lut::<u16>::threshold(30000).then(&Lut::invert());
    check(
        |i| (i * 7919 % 65536) as u16,
        |v| v.map_in_place(&lut16),
        |v| reference::map(v, |x| if x >= 30000 { 0 } else { 65535 }),
    );
    // The invert table is the invert kernel.
    let inv = Lut::<u8>::invert();
    assert!((0..=255u8).all(|v| inv.get(v) == 255 - v));
    // Brightness by a fixed step is `image`'s brighten.
    let rgb = image::RgbImage::from_fn(40, 9, |x, y| image::Rgb([x as u8 * 6, y as u8 * 30, 250]));
    let mut ours = rgb.clone();
    ViewMut::from_image(&mut ours).map_in_place(&Lut::from_fn(|v: u8| v.saturating_add(20)));
    assert_eq!(ours, image::imageops::brighten(&rgb, 20));
}

#[test]
fn luma_alpha_matches_reference_and_image_crate() {
    for [h, w] in SIZES {
        for shape in SHAPES {
            let mut px: Vec<u16> = samples(h * w * 4, |i| (i * 7919 % 65536) as u16);
            let image = derive(ViewMut::from_slice(&mut px, [h, w, 4]).unwrap(), shape).into_view();
            if image.channels() != 4 {
                continue; // layouts that select channels
            }
            let luma = reference::luma(&image);
            let alpha = image.channel(3).unwrap().to_vec();
            let expected: Vec<u16> = luma
                .iter()
                .zip(&alpha)
                .flat_map(|(&l, &a)| [l, a])
                .collect();
            for &threads in thread_counts() {
                with_threads(threads, || {
                    let [dh, dw, _] = image.shape();
                    let mut out = viewlib::ImageBuf::new(dh, dw, 2).unwrap();
                    image.luma_alpha_into(out.view_mut()).unwrap();
                    assert_eq!(out.as_slice(), expected, "{h}x{w} {shape:?}");
                });
            }
        }
    }
    let rgba = image::RgbaImage::from_fn(61, 17, |x, y| {
        image::Rgba([x as u8 * 4, y as u8 * 15, (x * y) as u8, (x + y) as u8])
    });
    let theirs = image::DynamicImage::ImageRgba8(rgba.clone())
        .grayscale()
        .into_luma_alpha8();
    let mut ours = viewlib::ImageBuf::new(17, 61, 2).unwrap();
    viewlib::View::from_image(&rgba)
        .luma_alpha_into(ours.view_mut())
        .unwrap();
    assert_eq!(ours.as_slice(), theirs.as_raw().as_slice());
    let rgb = viewlib::View::from_slice(&[0u8; 6], [1, 2, 3]).unwrap();
    assert!(rgb.luma_alpha_into(ours.view_mut()).is_err());
}

/// Luma of every layout, both weightings, against the per-pixel reference.
fn check_luma<T: Luma + PartialEq>(make: impl Fn(usize) -> T + Copy) {
    for [h, w] in SIZES {
        for c in CHANNELS {
            for shape in SHAPES {
                let mut px: Vec<T> = samples(h * w * c, make);
                let image =
                    derive(ViewMut::from_slice(&mut px, [h, w, c]).unwrap(), shape).into_view();
                for weights in [LumaWeights::Rec709, LumaWeights::Bt601] {
                    let expected = reference::luma_with(&image, weights);
                    for &threads in thread_counts() {
                        with_threads(threads, || {
                            let gray = image.to_luma_with(weights).unwrap();
                            let context = format!("{h}x{w}x{c} {shape:?} {weights:?}");
                            assert_eq!(gray.as_slice(), expected, "{context}");
                        });
                    }
                }
            }
        }
    }
}

#[test]
fn luma_matches_reference_and_image_crate() {
    check_luma(|i| (i * 7919 % 65536) as u16);
    check_luma(|i| (i * 7919 % 251) as u8);
    check_luma(|i| (i * 7919 % 1000) as f32 / 999.0);
    for rgba in [
        image::DynamicImage::ImageRgba8(image::RgbaImage::from_fn(61, 17, |x, y| {
            image::Rgba([x as u8 * 4, y as u8 * 15, (x * y) as u8, 128])
        })),
        image::DynamicImage::ImageRgb16(image::ImageBuffer::from_fn(61, 17, |x, y| {
            image::Rgb([x as u16 * 1000, y as u16 * 3000, (x * y) as u16])
        })),
    ] {
        let theirs = rgba.grayscale();
        match &rgba {
            image::DynamicImage::ImageRgba8(b) => {
                let ours = viewlib::View::from_image(b).to_luma().unwrap();
                assert_eq!(ours.as_slice(), theirs.to_luma8().as_raw().as_slice());
            }
            image::DynamicImage::ImageRgb16(b) => {
                let ours = viewlib::View::from_image(b).to_luma().unwrap();
                assert_eq!(ours.as_slice(), theirs.to_luma16().as_raw().as_slice());
            }
            _ => unreachable!(),
        }
    }
}

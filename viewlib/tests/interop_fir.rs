//! fast_image_resize through the view adapters equals fast_image_resize on copies: a crop of a
//! flipped source resized into a window of a larger buffer gives the bytes that resizing the
//! materialized copy into a fresh image gives, and nothing outside the window changes; on
//! every core as on one.

use bytemuck::Pod;
use fast_image_resize::images::TypedImage;
use fast_image_resize::pixels::{F32, U8, U8x3, U8x4, U16x4};
use fast_image_resize::{FilterType, PixelTrait, ResizeAlg, ResizeOptions, Resizer};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use viewlib::{Sample, View, ViewError, ViewMut, s};

/// One algorithm down each of fir's paths: nearest, convolution, interpolation,
/// super-sampling.
fn algorithms() -> [ResizeAlg; 4] {
    [
        ResizeAlg::Nearest,
        ResizeAlg::Convolution(FilterType::Lanczos3),
        ResizeAlg::Interpolation(FilterType::Bilinear),
        ResizeAlg::SuperSampling(FilterType::CatmullRom, 2),
    ]
}

/// A `[height, width, channels]` window of a canvas: `(x, y, width, height)`.
type Window = (usize, usize, usize, usize);

/// The reference: `src` copied out (`to_image_buf`) into a fir image of its own and resized
/// into a fresh `width x height` image.
fn resized_copy<P, T>(src: View<'_, T, 3>, width: usize, height: usize, alg: ResizeAlg) -> Vec<T>
where
    P: PixelTrait<Component = T> + Pod,
    T: Sample,
{
    let [h, w, _] = src.shape();
    let copy = src.to_image_buf().unwrap();
    let pixels: Vec<P> = bytemuck::cast_slice(copy.as_slice()).to_vec();
    let copy = TypedImage::from_pixels(w as u32, h as u32, pixels).unwrap();
    let mut fresh = TypedImage::<P>::new(width as u32, height as u32);
    let options = ResizeOptions::new().resize_alg(alg);
    Resizer::new()
        .resize_typed(&copy, &mut fresh, &options)
        .unwrap();
    bytemuck::cast_slice(fresh.pixels()).to_vec()
}

/// `canvas` as it must be after resizing `src` into `window`: `before`, with the reference
/// pasted into the window.
fn expected_canvas<P, T>(
    src: View<'_, T, 3>,
    before: &[T],
    shape: [usize; 3],
    window: Window,
    alg: ResizeAlg,
) -> Vec<T>
where
    P: PixelTrait<Component = T> + Pod,
    T: Sample,
{
    let (x, y, w, h) = window;
    let reference = resized_copy::<P, T>(src, w, h, alg);
    let mut expected = before.to_vec();
    let mut region = ViewMut::from_slice(&mut expected, shape)
        .unwrap()
        .crop(x, y, w, h)
        .unwrap();
    region
        .copy_from(View::from_slice(&reference, [h, w, shape[2]]).unwrap())
        .unwrap();
    expected
}

/// Resizes `src` into `window` of `canvas` through the adapters with `Resizer::resize_typed`.
///
/// Typed, because `Resizer::resize` (the run-time dispatch most callers use) instantiates
/// fir's whole pipeline for every pixel type at each call site: once per pixel type here
/// made this file take nine minutes to build, and one call still made it the slowest unit of
/// the workspace's test build. Every test here is typed; the adapters' doctests
/// (src/interop_fir.rs) go through `resize`, and `the_adapters_name_their_pixel_type` checks
/// what its dispatch reads.
fn resize_into_window<P, T>(
    src: View<'_, T, 3>,
    canvas: &mut [T],
    shape: [usize; 3],
    window: Window,
    alg: ResizeAlg,
) where
    P: PixelTrait<Component = T> + Pod,
    T: Sample,
{
    let (x, y, w, h) = window;
    let dst = ViewMut::from_slice(canvas, shape)
        .unwrap()
        .crop(x, y, w, h)
        .unwrap();
    let options = ResizeOptions::new().resize_alg(alg);
    Resizer::new()
        .resize_typed(
            &src.as_fir_image::<P>().unwrap(),
            &mut dst.as_fir_image_mut::<P>().unwrap(),
            &options,
        )
        .unwrap();
}

/// Every algorithm: resizing through the adapters leaves exactly the expected canvas, bytes
/// compared (`f32` too).
fn assert_resizes_like_copies<P, T>(
    src: View<'_, T, 3>,
    canvas: &[T],
    shape: [usize; 3],
    window: Window,
) where
    P: PixelTrait<Component = T> + Pod,
    T: Sample,
{
    for alg in algorithms() {
        let mut resized = canvas.to_vec();
        resize_into_window::<P, T>(src, &mut resized, shape, window, alg);
        let expected = expected_canvas::<P, T>(src, canvas, shape, window, alg);
        assert!(
            bytemuck::cast_slice::<T, u8>(&resized) == bytemuck::cast_slice::<T, u8>(&expected),
            "{alg:?}, {:?} from {:?} into {window:?}",
            P::pixel_type(),
            src.shape(),
        );
    }
}

/// `len` samples of a pattern with no period a resize would line up with.
fn samples<T>(len: usize, sample: impl Fn(usize) -> T) -> Vec<T> {
    (0..len).map(sample).collect()
}

fn u8_sample(i: usize) -> u8 {
    (i * 37 % 251) as u8
}

fn u16_sample(i: usize) -> u16 {
    (i * 7919 % 65521) as u16
}

fn f32_sample(i: usize) -> f32 {
    (i * 37 % 101) as f32 / 100.0
}

/// A canvas that is not the resize's output anywhere: changed bytes show.
fn canvas<T>(shape: [usize; 3], sample: impl Fn(usize) -> T) -> Vec<T> {
    samples(shape.iter().product(), |i| sample(i * 3 + 1))
}

#[test]
fn rgb8_crop_of_a_flipped_image_into_a_window_of_a_larger_buffer() {
    let px = samples(29 * 37 * 3, u8_sample);
    let src = View::from_slice(&px, [29, 37, 3])
        .unwrap()
        .flip_vertical()
        .crop(3, 4, 30, 20)
        .unwrap();
    let shape = [30, 40, 3];
    let canvas = canvas(shape, u8_sample);
    assert_resizes_like_copies::<U8x3, u8>(src, &canvas, shape, (5, 6, 17, 11)); // down
    let shape = [40, 50, 3];
    let canvas = self::canvas(shape, u8_sample);
    assert_resizes_like_copies::<U8x3, u8>(src, &canvas, shape, (9, 2, 41, 33)); // up
}

/// Gray (`f32`) and RGBA (`u16`); RGB `u8` is the other tests'. The adapters depend on the
/// pixel type only through its size and component count; each further type instantiates
/// fir's whole typed pipeline again in this binary, the slowest unit of the workspace's test
/// build: about 30 s of a core each (five types took 162 s, measured with `touch` and
/// `cargo test --test interop_fir --no-run`).
#[test]
fn gray_f32_and_rgba_u16() {
    fn case<P: PixelTrait<Component = T> + Pod, T: Sample>(sample: fn(usize) -> T) {
        let c = P::count_of_components();
        let px = samples(31 * 43 * c, sample);
        let image = View::from_slice(&px, [31, 43, c]).unwrap();
        let shape = [36, 29, c];
        let canvas = canvas(shape, sample);
        let sources = [
            image,
            image.flip_vertical().crop(2, 1, 40, 27).unwrap(),
            image.slice(s![1..;2, 3.., ..]).unwrap(), // every other row
        ];
        for src in sources {
            assert_resizes_like_copies::<P, T>(src, &canvas, shape, (4, 3, 21, 30));
        }
    }
    case::<U16x4, u16>(u16_sample);
    case::<F32, f32>(f32_sample);
}

#[test]
fn a_vertically_flipped_destination_receives_the_result_upside_down() {
    let px = samples(20 * 24 * 3, u8_sample);
    let src = View::from_slice(&px, [20, 24, 3]).unwrap();
    let mut out = vec![0u8; 10 * 12 * 3];
    let dst = ViewMut::from_slice(&mut out, [10, 12, 3])
        .unwrap()
        .flip_vertical();
    Resizer::new()
        .resize_typed(
            &src.as_fir_image::<U8x3>().unwrap(),
            &mut dst.as_fir_image_mut::<U8x3>().unwrap(),
            None,
        )
        .unwrap();
    let reference = resized_copy::<U8x3, u8>(src, 12, 10, ResizeAlg::default());
    let flipped = View::from_slice(&out, [10, 12, 3]).unwrap().flip_vertical();
    assert_eq!(flipped.to_vec(), reference);
}

#[test]
fn resize_typed_takes_the_adapters_as_image_views() {
    let px = samples(16 * 16 * 4, u16_sample);
    let src = View::from_slice(&px, [16, 16, 4])
        .unwrap()
        .crop(2, 2, 12, 12)
        .unwrap();
    let mut out = vec![0u16; 5 * 7 * 4];
    let mut dst = ViewMut::from_slice(&mut out, [5, 7, 4])
        .unwrap()
        .as_fir_image_mut::<U16x4>()
        .unwrap();
    Resizer::new()
        .resize_typed(&src.as_fir_image::<U16x4>().unwrap(), &mut dst, None)
        .unwrap();
    assert_eq!(
        out,
        resized_copy::<U16x4, u16>(src, 7, 5, ResizeAlg::default())
    );
}

#[test]
fn layouts_whose_rows_are_not_runs_of_pixels_are_refused() {
    let mut px = samples(6 * 8 * 4, u8_sample);
    let not_adjacent = |r: Result<_, ViewError>| {
        assert!(
            matches!(r, Err(ViewError::NotContiguous { .. })),
            "{:?}",
            r.err()
        )
    };
    let image = View::from_slice(&px, [6, 8, 4]).unwrap();
    not_adjacent(image.flip_horizontal().as_fir_image::<U8x4>().map(|_| ()));
    not_adjacent(image.transpose().as_fir_image::<U8x4>().map(|_| ()));
    not_adjacent(image.flip(2).unwrap().as_fir_image::<U8x4>().map(|_| ()));
    // A channel subset with a stride: channels 0 and 2 of RGBA.
    let every_other = image.slice(s![.., .., ..;2]).unwrap();
    not_adjacent(
        every_other
            .as_fir_image::<fast_image_resize::pixels::U8x2>()
            .map(|_| ()),
    );
    // One channel of RGBA: adjacent channels (there is one), but pixels 4 samples apart.
    let red = image.channel_range(..1).unwrap();
    not_adjacent(red.as_fir_image::<U8>().map(|_| ()));
    assert_eq!(
        image
            .channel_range(..3)
            .unwrap()
            .as_fir_image::<U8x4>()
            .err(),
        Some(ViewError::ShapeMismatch {
            axis: 2,
            expected: 4,
            found: 3
        })
    );
    let writable = ViewMut::from_slice(&mut px, [6, 8, 4]).unwrap();
    not_adjacent(
        writable
            .flip_horizontal()
            .as_fir_image_mut::<U8x4>()
            .map(|_| ()),
    );
}

/// The adapters name their pixel type, which `Resizer::resize` compares before it reads a
/// pixel: a source and destination of different types are its `PixelTypesAreDifferent`.
/// (Checked on the adapters rather than through `resize` with a second pair of types, whose
/// instantiation of fir's whole pipeline costs a minute of build.)
#[test]
fn the_adapters_name_their_pixel_type() {
    use fast_image_resize::{IntoImageView, PixelType};
    let rgb = samples(4 * 4 * 3, u8_sample);
    let mut rgba = vec![0u8; 2 * 2 * 4];
    let src = View::from_slice(&rgb, [4, 4, 3]).unwrap();
    let dst = ViewMut::from_slice(&mut rgba, [2, 2, 4]).unwrap();
    let src = src.as_fir_image::<U8x3>().unwrap();
    let dst = dst.as_fir_image_mut::<U8x4>().unwrap();
    assert_eq!(IntoImageView::pixel_type(&src), Some(PixelType::U8x3));
    assert_eq!(IntoImageView::pixel_type(&dst), Some(PixelType::U8x4));
    let floats = vec![0f32; 2 * 2];
    let floats = View::from_slice(&floats, [2, 2, 1]).unwrap();
    assert_eq!(
        IntoImageView::pixel_type(&floats.as_fir_image::<F32>().unwrap()),
        Some(PixelType::F32)
    );
}

#[test]
fn empty_views_resize_to_nothing() {
    let px = samples(4 * 4 * 3, u8_sample);
    let mut out = samples(4 * 4 * 3, u8_sample);
    let image = View::from_slice(&px, [4, 4, 3]).unwrap();
    let dst = ViewMut::from_slice(&mut out, [4, 4, 3]).unwrap();
    let (empty_src, empty_dst) = (
        image.crop(1, 1, 0, 2).unwrap(),
        dst.crop(0, 0, 3, 0).unwrap(),
    );
    let (src, mut dst) = (
        empty_src.as_fir_image::<U8x3>().unwrap(),
        empty_dst.as_fir_image_mut::<U8x3>().unwrap(),
    );
    assert_eq!(
        (src.width(), src.height(), dst.width(), dst.height()),
        (0, 2, 3, 0)
    );
    Resizer::new().resize_typed(&src, &mut dst, None).unwrap();
    assert_eq!(out, px);
}

/// A source layout: image size, flip, crop.
fn source_case() -> impl Strategy<Value = ([usize; 2], bool, Window)> {
    (20usize..120, 20usize..120, any::<bool>()).prop_flat_map(|(h, w, flip)| {
        (0..w / 2, 0..h / 2).prop_flat_map(move |(x, y)| {
            (1..=w - x, 1..=h - y).prop_map(move |(cw, ch)| ([h, w], flip, (x, y, cw, ch)))
        })
    })
}

/// A destination window in a canvas, large enough for fir to split it among threads
/// (it gives each part at least 1024 pixels).
fn window_case() -> impl Strategy<Value = ([usize; 2], Window)> {
    (50usize..100, 50usize..100).prop_flat_map(|(h, w)| {
        (0..w / 4, 0..h / 4).prop_flat_map(move |(x, y)| {
            (w / 2..=w - x, h / 2..=h - y).prop_map(move |(cw, ch)| ([h, w], (x, y, cw, ch)))
        })
    })
}

/// Cases per property; `PROPTEST_CASES` raises it for a soak.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::with_cases(cases)
    }
}

/// Resizes a crop of a (flipped) source into a window on 1 and on 3 threads; both must be the
/// copies' result.
fn check_threads<P, T>(
    sample: fn(usize) -> T,
    (size, flip, crop): ([usize; 2], bool, Window),
    (canvas_size, window): ([usize; 2], Window),
    alg: ResizeAlg,
) -> Result<(), TestCaseError>
where
    P: PixelTrait<Component = T> + Pod,
    T: Sample,
{
    let c = P::count_of_components();
    let px = samples(size[0] * size[1] * c, sample);
    let image = View::from_slice(&px, [size[0], size[1], c]).unwrap();
    let image = if flip { image.flip_vertical() } else { image };
    let src = image.crop(crop.0, crop.1, crop.2, crop.3).unwrap();
    let shape = [canvas_size[0], canvas_size[1], c];
    let before = canvas(shape, sample);
    let on_threads = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let mut resized = before.clone();
        pool.install(|| resize_into_window::<P, T>(src, &mut resized, shape, window, alg));
        bytemuck::cast_slice::<T, u8>(&resized).to_vec()
    };
    let one = on_threads(1);
    prop_assert_eq!(&one, &on_threads(3));
    let expected = expected_canvas::<P, T>(src, &before, shape, window, alg);
    prop_assert_eq!(one, bytemuck::cast_slice::<T, u8>(&expected));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// fir's rayon feature splits the destination among threads by rows (`u8`: the
    /// horizontal pass writes it) and by columns (`u16`: the vertical pass writes it); the
    /// result is the one-thread result.
    #[test]
    fn every_core_resizes_like_one(
        source in source_case(),
        window in window_case(),
        alg_index in 0..4usize,
        wide_samples in any::<bool>(),
    ) {
        let alg = algorithms()[alg_index];
        if wide_samples {
            check_threads::<U16x4, u16>(u16_sample, source, window, alg)?;
        } else {
            check_threads::<U8x3, u8>(u8_sample, source, window, alg)?;
        }
    }
}

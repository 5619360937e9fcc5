//! Kernels beside the machine's limit, measured in the same run: `copy_from_slice` of the same
//! number of bytes (the memory bus) and, where it has the operation, the `image` crate.
//!
//! `cargo bench -p viewlib --bench kernels` runs all of it (a few minutes); a filter such as
//! `-- rgba_4096/t1/invert` runs part. Groups run on one thread (`t1`) and on every core
//! (`tN`). Throughput is the bytes of image a kernel covers. BENCHMARKS.md has the table.

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::{Duration, Instant};
use viewlib::ops::{Alpha, LumaWeights, Lut};
use viewlib::{View, ViewMut};

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// Times `work` inside `pool`, so the kernel sees that pool's thread count.
fn bench_in(
    group: &mut BenchmarkGroup<'_, WallTime>,
    pool: &rayon::ThreadPool,
    id: &str,
    mut work: impl FnMut() + Send,
) {
    group.bench_function(id, |b| {
        b.iter_custom(|iters| {
            pool.install(|| {
                let start = Instant::now();
                for _ in 0..iters {
                    work();
                }
                start.elapsed()
            })
        })
    });
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

fn configured<'c>(c: &'c mut Criterion, name: String) -> BenchmarkGroup<'c, WallTime> {
    let mut group = c.benchmark_group(name);
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    group
}

/// Every kernel of the issue on one image size, on `threads` threads.
fn image_group(c: &mut Criterion, name: &str, shape: [usize; 3], threads: usize) {
    let [h, w, ch] = shape;
    let bytes = h * w * ch;
    let pool = pool(threads);
    let src = pattern(bytes);
    let mut buf = src.clone();
    let mut other = vec![0u8; bytes];
    let image = View::from_slice(&src, shape).unwrap();

    let mut group = configured(c, format!("{name}/t{threads}"));
    group.throughput(Throughput::Bytes(bytes as u64));
    // The bus: read and write every byte once (always one thread, like memcpy).
    group.bench_function("copy_baseline", |b| {
        b.iter(|| other.copy_from_slice(black_box(&src)))
    });
    whole_image_in_place(&mut group, &pool, &mut buf, shape);
    bench_in(&mut group, &pool, "invert_keep_alpha", || {
        ViewMut::from_slice(&mut buf, shape)
            .unwrap()
            .invert_in_place(Alpha::Keep)
    });
    bench_in(&mut group, &pool, "invert_one_channel_masked", || {
        let image = ViewMut::from_slice(&mut buf, shape).unwrap();
        image.invert_channels_in_place(&[1]).unwrap()
    });
    bench_in(&mut group, &pool, "invert_one_channel_view", || {
        let image = ViewMut::from_slice(&mut buf, shape).unwrap();
        image.channel(1).unwrap().invert_samples_in_place()
    });
    let gamma = Lut::<u8>::gamma(0.8);
    bench_in(&mut group, &pool, "lut_map_in_place", || {
        ViewMut::from_slice(&mut buf, shape)
            .unwrap()
            .map_in_place(&gamma)
    });
    let mut gray = vec![0u8; h * w];
    for (id, weights) in [
        ("luma_into", LumaWeights::Rec709),
        ("luma_into_bt601", LumaWeights::Bt601),
    ] {
        bench_in(&mut group, &pool, id, || {
            let dst = ViewMut::from_slice(&mut gray, [h, w]).unwrap();
            image.luma_into_with(dst, weights).unwrap()
        });
    }
    if threads == 1 {
        // Rust peers on the same pixels: image's invert (keeps alpha), grayscale and flips;
        // ndarray's map over one strided channel.
        let (wu, hu) = (w as u32, h as u32);
        match ch {
            4 => image_crate_peers(&mut group, image::RgbaImage::from_raw(wu, hu, src.clone())),
            3 => image_crate_peers(&mut group, image::RgbImage::from_raw(wu, hu, src.clone())),
            _ => {}
        }
        let mut array = ndarray::Array3::from_shape_vec((h, w, ch), src.clone()).unwrap();
        group.bench_function("ndarray_invert_one_channel_mapv_inplace", |b| {
            b.iter(|| {
                array
                    .index_axis_mut(ndarray::Axis(2), 1)
                    .mapv_inplace(|v| 255 - v)
            })
        });
    }

    // Channel extraction reads the whole image; throughput counts the image's bytes.
    let mut plane = vec![0u8; h * w];
    bench_in(&mut group, &pool, "extract_channel_into", || {
        let dst = ViewMut::from_slice(&mut plane, [h, w]).unwrap();
        image.extract_channel_into(1, dst).unwrap()
    });
    let mut planes: Vec<Vec<u8>> = (0..ch).map(|_| vec![0u8; h * w]).collect();
    bench_in(&mut group, &pool, "split_all_channels_into", || {
        for (k, p) in planes.iter_mut().enumerate() {
            let dst = ViewMut::from_slice(p, [h, w]).unwrap();
            image.extract_channel_into(k, dst).unwrap();
        }
    });
    if threads == 1 {
        let samples = image.as_slice().unwrap();
        group.bench_function("extract_channel_naive_loop", |b| {
            b.iter(|| {
                for (d, px) in plane.iter_mut().zip(samples.chunks_exact(ch)) {
                    *d = px[1];
                }
            })
        });
    }

    // Crop: materializing half the width and height copies a quarter of the image.
    let (crop_h, crop_w) = (h / 2, w / 2);
    let crop_bytes = crop_h * crop_w * ch;
    let mut crop_out = vec![0u8; crop_bytes];
    group.throughput(Throughput::Bytes(crop_bytes as u64));
    group.bench_function("crop_copy_baseline", |b| {
        b.iter(|| crop_out.copy_from_slice(black_box(&src[..crop_bytes])))
    });
    bench_in(&mut group, &pool, "crop_materialize_into", || {
        let crop = image.crop(w / 4, h / 4, crop_w, crop_h).unwrap();
        let mut dst = ViewMut::from_slice(&mut crop_out, [crop_h, crop_w, ch]).unwrap();
        dst.copy_from(crop).unwrap()
    });
    bench_in(&mut group, &pool, "crop_to_image_buf", || {
        let crop = image.crop(w / 4, h / 4, crop_w, crop_h).unwrap();
        let _ = black_box(crop.to_image_buf().unwrap());
    });
    if threads == 1 {
        let array = ndarray::ArrayView3::from_shape((h, w, ch), &src[..]).unwrap();
        let mut out = ndarray::Array3::<u8>::zeros((crop_h, crop_w, ch));
        group.bench_function("ndarray_crop_assign", |b| {
            b.iter(|| {
                let (y, x) = (h / 4, w / 4);
                out.assign(&array.slice(ndarray::s![y..y + crop_h, x..x + crop_w, ..]))
            })
        });
    }
    group.finish();

    if threads == 1 {
        c.bench_function(&format!("{name}/crop_view_creation"), |b| {
            b.iter(|| {
                let _ = black_box(black_box(image).crop(w / 4, h / 4, crop_w, crop_h)).unwrap();
            })
        });
    }
}

/// The `image` crate's operations on an `ImageBuffer` of the bench's pixels.
fn image_crate_peers<P>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    img: Option<image::ImageBuffer<P, Vec<u8>>>,
) where
    P: image::Pixel<Subpixel = u8> + 'static,
{
    let mut img = img.unwrap();
    group.bench_function("image_crate_invert", |b| {
        b.iter(|| image::imageops::invert(&mut img))
    });
    group.bench_function("image_crate_grayscale", |b| {
        b.iter(|| image::imageops::grayscale(black_box(&img)))
    });
    group.bench_function("image_crate_flip_horizontal_in_place", |b| {
        b.iter(|| image::imageops::flip_horizontal_in_place(&mut img))
    });
    group.bench_function("image_crate_flip_vertical_in_place", |b| {
        b.iter(|| image::imageops::flip_vertical_in_place(&mut img))
    });
}

/// The in-place kernels over a whole image of any sample type: invert (alpha too) and flips.
fn whole_image_in_place<T: viewlib::ops::Invert>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    pool: &rayon::ThreadPool,
    buf: &mut [T],
    shape: [usize; 3],
) {
    bench_in(group, pool, "invert_all", || {
        ViewMut::from_slice(buf, shape)
            .unwrap()
            .invert_in_place(Alpha::Invert)
    });
    bench_in(group, pool, "flip_vertical_in_place", || {
        ViewMut::from_slice(buf, shape)
            .unwrap()
            .flip_vertical_in_place()
    });
    bench_in(group, pool, "flip_horizontal_in_place", || {
        ViewMut::from_slice(buf, shape)
            .unwrap()
            .flip_horizontal_in_place()
    });
}

/// 16-bit and `f32` samples (1080p RGB, 6- and 12-byte pixels): the kernels that take them
/// and whose loops depend on the sample size, beside a copy of the same bytes.
fn deep_group<T: viewlib::ops::Invert + viewlib::ops::Luma>(
    c: &mut Criterion,
    name: &str,
    make: impl Fn(usize) -> T,
    threads: usize,
) {
    let shape @ [h, w, ch] = [1080, 1920, 3];
    let len = h * w * ch;
    let pool = pool(threads);
    let src: Vec<T> = (0..len).map(make).collect();
    let (mut buf, mut other) = (src.clone(), src.clone());
    let image = View::from_slice(&src, shape).unwrap();
    let mut group = configured(c, format!("{name}/t{threads}"));
    group.throughput(Throughput::Bytes(size_of_val(&src[..]) as u64));
    group.bench_function("copy_baseline", |b| {
        b.iter(|| other.copy_from_slice(black_box(&src)))
    });
    whole_image_in_place(&mut group, &pool, &mut buf, shape);
    let mut gray = src[..h * w].to_vec();
    bench_in(&mut group, &pool, "luma_into_bt601", || {
        let dst = ViewMut::from_slice(&mut gray, [h, w]).unwrap();
        image.luma_into_with(dst, LumaWeights::Bt601).unwrap()
    });
    group.finish();
}

fn kernels(c: &mut Criterion) {
    let all = rayon::current_num_threads();
    for threads in [1, all] {
        image_group(c, "rgba_4096", [4096, 4096, 4], threads);
        image_group(c, "rgb_1080p", [1080, 1920, 3], threads);
        deep_group(c, "rgb16_1080p", |i| (i * 7919 % 65536) as u16, threads);
        deep_group(
            c,
            "rgbf32_1080p",
            |i| (i * 7919 % 1000) as f32 / 999.0,
            threads,
        );
    }
}

/// Where parallel work starts to pay: invert at growing sizes, one thread against all.
fn cutoff(c: &mut Criterion) {
    let mut group = configured(c, "cutoff".to_owned());
    group.measurement_time(Duration::from_secs(1));
    for kib in [32usize, 64, 128, 256, 512, 1024, 4096] {
        let bytes = kib * 1024;
        let mut buf = pattern(bytes);
        group.throughput(Throughput::Bytes(bytes as u64));
        for threads in [1, rayon::current_num_threads()] {
            let id = format!("invert_t{threads}/{kib}KiB");
            bench_in(&mut group, &pool(threads), &id, || {
                ViewMut::new(&mut buf).invert_samples_in_place()
            });
        }
    }
    group.finish();
}

criterion_group!(benches, kernels, cutoff);
criterion_main!(benches);

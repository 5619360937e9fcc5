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
use viewlib::ops::Alpha;
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
    bench_in(&mut group, &pool, "invert_all", || {
        ViewMut::from_slice(&mut buf, shape)
            .unwrap()
            .invert_in_place(Alpha::Invert)
    });
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
    bench_in(&mut group, &pool, "flip_vertical_in_place", || {
        ViewMut::from_slice(&mut buf, shape)
            .unwrap()
            .flip_vertical_in_place()
    });
    bench_in(&mut group, &pool, "flip_horizontal_in_place", || {
        ViewMut::from_slice(&mut buf, shape)
            .unwrap()
            .flip_horizontal_in_place()
    });
    if threads == 1 {
        // The peer: image's invert (keeps alpha) on an ImageBuffer of the same pixels.
        let (wu, hu) = (w as u32, h as u32);
        match ch {
            4 => {
                let mut img = image::RgbaImage::from_raw(wu, hu, src.clone()).unwrap();
                group.bench_function("image_crate_invert", |b| {
                    b.iter(|| image::imageops::invert(&mut img))
                });
            }
            3 => {
                let mut img = image::RgbImage::from_raw(wu, hu, src.clone()).unwrap();
                group.bench_function("image_crate_invert", |b| {
                    b.iter(|| image::imageops::invert(&mut img))
                });
            }
            _ => {}
        }
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
        let dst = ViewMut::from_slice(&mut crop_out, [crop_h, crop_w, ch]).unwrap();
        dst.copy_from(crop).unwrap()
    });
    group.finish();

    if threads == 1 {
        c.bench_function(&format!("{name}/crop_view_creation"), |b| {
            b.iter(|| {
                black_box(black_box(image).crop(w / 4, h / 4, crop_w, crop_h)).unwrap();
            })
        });
    }
}

fn kernels(c: &mut Criterion) {
    let all = rayon::current_num_threads();
    for threads in [1, all] {
        image_group(c, "rgba_4096", [4096, 4096, 4], threads);
        image_group(c, "rgb_1080p", [1080, 1920, 3], threads);
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

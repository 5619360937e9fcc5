//! One large image end to end: a 24 MP JPEG decoded, inverted and encoded as PNG (`Fast`),
//! on one thread and on every core, beside the `image` crate doing the same on one core and a
//! memcpy of the decoded pixels, all measured in the same run.
//!
//! `cargo bench -p viewlib --bench large_image`. The picture is `peers.py`'s `photo(6000,
//! 4000, 3, seed 3)` (the same pixels OpenCV and Pillow get there), encoded once at quality 90
//! with `image`'s JPEG encoder into a temporary folder. Steps are timed alone too, so the
//! whole can be read against its parts: `decode`, `invert`, `encode_to_memory`, and `to_file`
//! (decode, invert, and an atomic save: temporary file, sync, rename).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use viewlib::io::{self, PngCompression, SaveOptions};
use viewlib::ops::Alpha;
use viewlib::{DynImageBuf, ImageBuf};

const WIDTH: usize = 6000;
const HEIGHT: usize = 4000;

fn splitmix64(z: u64) -> u64 {
    let z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `peers.py`'s `photo(w, h, 3, seed)`: gradients, a vignette, diagonal texture, two objects
/// and a little noise, in integers, so both produce the same pixels.
fn photo(w: usize, h: usize, seed: u64) -> Vec<u8> {
    let (wi, hi) = (w as i64, h as i64);
    let (cx, cy) = (wi * (3 + seed as i64 % 4) / 10, hi * 6 / 10);
    let rden = (wi * wi + hi * hi) / 4;
    let (rx0, rx1, ry0, ry1) = (wi / 8, wi / 3, hi / 5, hi / 2);
    let (dcx, dcy, drad) = (wi * 3 / 4, hi / 3, hi / 6);
    let mut out = Vec::with_capacity(w * h * 3);
    for y in 0..hi {
        let gy = y * 256 / hi;
        for x in 0..wi {
            let gx = x * 256 / wi;
            let (dx, dy) = (x - cx, y - cy);
            let r = ((dx * dx + dy * dy) * 256 / rden).min(255);
            let t = ((x + 2 * y) % 96 - 48).abs() / 3;
            let inside = (rx0..rx1).contains(&x) && (ry0..ry1).contains(&y);
            let disc = (x - dcx).pow(2) + (y - dcy).pow(2) < drad * drad;
            let obj = if inside { 40 } else { 0 } + if disc { -35 } else { 0 };
            let base = [
                (2 * gx + gy + 3 * (255 - r)) / 6 + t + obj,
                (gx + 2 * (255 - gy) + 2 * (255 - r)) / 5 + t / 2 + obj,
                ((255 - gx) + 2 * gy + r) / 4 + obj,
            ];
            let p = ((y * wi + x) * 3) as u64;
            for (ch, base) in base.into_iter().enumerate() {
                let hash = splitmix64((p + ch as u64) ^ (seed << 40));
                let noise = (hash >> 61) as i64 + ((hash >> 58) & 7) as i64 - 7;
                out.push((base + noise).clamp(0, 255) as u8);
            }
        }
    }
    out
}

fn load_u8(path: &Path) -> ImageBuf<u8> {
    match io::load(path).unwrap() {
        DynImageBuf::U8(buf) => buf,
        other => panic!("expected 8-bit, got {}", other.format()),
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn large_image(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = dir.path().join("photo_6000x4000.jpg");
    let pixels = photo(WIDTH, HEIGHT, 3);
    let mut file = std::fs::File::create(&jpeg).unwrap();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut file, 90)
        .encode(
            &pixels,
            WIDTH as u32,
            HEIGHT as u32,
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    drop(file);
    let decoded = load_u8(&jpeg);
    let bytes = decoded.as_slice().len();
    let mut other = vec![0u8; bytes];
    let out = dir.path().join("out.png");
    let save = SaveOptions {
        compression: PngCompression::Fast,
        overwrite: true,
    };

    let mut group = c.benchmark_group("large_image_24mp");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(6));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("memcpy_baseline", |b| {
        b.iter(|| other.copy_from_slice(black_box(decoded.as_slice())))
    });
    // The peer: the `image` crate, which decodes and encodes on one core.
    let image_out = dir.path().join("image_out.png");
    group.bench_function("image_crate/to_file", |b| {
        b.iter(|| {
            let mut img = image::open(&jpeg).unwrap();
            img.invert();
            img.save(&image_out).unwrap();
        })
    });
    for threads in [1, rayon::current_num_threads()] {
        let pool = pool(threads);
        let mut work = decoded.clone();
        let mut png = Vec::with_capacity(bytes);
        let mut timed = |name: &str, work: &mut (dyn FnMut() + Send)| {
            group.bench_function(format!("viewlib_t{threads}/{name}"), |b| {
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
        };
        timed("decode", &mut || drop(black_box(load_u8(&jpeg))));
        timed("invert", &mut || {
            work.view_mut().invert_in_place(Alpha::Keep)
        });
        timed("encode_to_memory", &mut || {
            png.clear();
            io::write_png(&mut png, decoded.view(), PngCompression::Fast).unwrap();
        });
        timed("to_file", &mut || {
            let mut image = load_u8(&jpeg);
            image.view_mut().invert_in_place(Alpha::Keep);
            io::save_png(&out, image.view(), &save).unwrap();
        });
    }
    group.finish();
}

criterion_group!(benches, large_image);
criterion_main!(benches);

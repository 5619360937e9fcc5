//! The whole batch pipeline on photo-sized PNGs: where one image's time goes on one core
//! (decode, invert, encode, and the file write), and what `imgdemo batch` reaches on 1 and on
//! every core, beside a memcpy of one decoded image measured in the same run.
//!
//! The target (issue 4): batch on N cores reaches at least 90% of N / (decode + encode) images
//! per second, with decode and encode timed on one core (`one_core`). The `batch` group also
//! runs the bare decodes and encodes on the same threads (`decode_encode_only_jobsN`), which
//! is what the machine gives for that work when N threads share it. `cargo bench -p imgdemo --bench pipeline`; viewlib/BENCHMARKS.md has the table.
//!
//! Inputs: the corpus photos (`$VIEWLIB_CORPUS` or `../shared/corpus`) resized to 1920x1080
//! RGB with a smooth filter (photo-like content, not noise or flat colour) and saved with the
//! `png` crate's default compression, as a camera or editor would.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use imgdemo::batch::{self, Job, Options};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use viewlib::io::{self, Limits, PngCompression, SaveOptions};
use viewlib::ops::Alpha;
use viewlib::{DynImageBuf, ImageBuf};

const WIDTH: u32 = 1920;
const HEIGHT: u32 = 1080;
const IMAGES: usize = 8;

fn corpus() -> PathBuf {
    std::env::var_os("VIEWLIB_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    )
}

/// Writes `IMAGES` 1080p RGB PNGs made from the corpus photos into `dir`.
fn make_inputs(dir: &Path) -> Vec<PathBuf> {
    let photos = ["astronaut.png", "rocket.jpg", "hdr_room.png", "camera.png"];
    (0..IMAGES)
        .map(|i| {
            let source = corpus().join("photos").join(photos[i % photos.len()]);
            let photo =
                image::open(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
            let mut frame = photo
                .resize_exact(WIDTH, HEIGHT, image::imageops::FilterType::CatmullRom)
                .into_rgb8();
            if i >= photos.len() {
                image::imageops::flip_horizontal_in_place(&mut frame);
            }
            let buf = ImageBuf::from(frame);
            let path = dir.join(format!("photo{i}.png"));
            let options = SaveOptions {
                compression: PngCompression::Balanced,
                overwrite: true,
            };
            io::save_png(&path, buf.view(), &options).unwrap();
            path
        })
        .collect()
}

fn load_u8(path: &Path) -> ImageBuf<u8> {
    match io::load(path).unwrap() {
        DynImageBuf::U8(buf) => buf,
        other => panic!("expected 8-bit, got {}", other.format()),
    }
}

fn one_core(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let inputs = make_inputs(dir.path());
    let decoded = load_u8(&inputs[0]);
    let bytes = decoded.as_slice().len();
    let mut other = vec![0u8; bytes];
    let mut work = decoded.clone();
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();

    let mut group = c.benchmark_group("pipeline_1080p_rgb/one_core");
    group.sample_size(20);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(1));
    group.bench_function("memcpy_baseline", |b| {
        b.iter(|| other.copy_from_slice(black_box(decoded.as_slice())))
    });
    group.bench_function("decode", |b| b.iter(|| black_box(load_u8(&inputs[0]))));
    group.bench_function("invert", |b| {
        b.iter(|| single.install(|| work.view_mut().invert_in_place(Alpha::Keep)))
    });
    for (name, compression) in [
        ("encode_fast", PngCompression::Fast),
        ("encode_balanced", PngCompression::Balanced),
    ] {
        let mut file = Vec::with_capacity(bytes);
        io::write_png(&mut file, decoded.view(), compression).unwrap();
        eprintln!("{name}: {} bytes for {bytes} bytes of pixels", file.len());
        group.bench_function(name, |b| {
            b.iter(|| {
                file.clear();
                io::write_png(&mut file, decoded.view(), compression).unwrap();
                black_box(file.len())
            })
        });
    }
    // One file end to end as a batch worker does it: decode, invert, encode, write a
    // temporary file, sync it, rename it.
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let job = Job {
        input: inputs[0].clone(),
        output: out.join("photo0.png"),
    };
    let options = Options {
        ops: vec!["invert".parse().unwrap()],
        jobs: 1,
        overwrite: true,
        compression: PngCompression::Fast,
        limits: Limits::default(),
        ..Options::default()
    };
    group.bench_function("process_file", |b| {
        b.iter(|| single.install(|| batch::process_file(&job, &options).unwrap()))
    });
    group.finish();
}

fn whole_batch(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let inputs = make_inputs(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("pipeline_1080p_rgb/batch");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(IMAGES as u64));
    for jobs in [1, cores] {
        let options = Options {
            ops: vec!["invert".parse().unwrap()],
            jobs,
            overwrite: true,
            compression: PngCompression::Fast,
            limits: Limits::default(),
            ..Options::default()
        };
        // The same decodes and encodes on the same threads with nothing else (no ops, no
        // files written, no orchestration): what the batch would reach if the rest were free.
        group.bench_function(format!("decode_encode_only_jobs{jobs}"), |b| {
            b.iter(|| {
                let next = std::sync::atomic::AtomicUsize::new(0);
                std::thread::scope(|scope| {
                    for _ in 0..jobs {
                        scope.spawn(|| {
                            let mut file = Vec::new();
                            while let Some(input) = inputs.get(next.fetch_add(1, Ordering::Relaxed))
                            {
                                let image = load_u8(input);
                                file.clear();
                                io::write_png(&mut file, image.view(), PngCompression::Fast)
                                    .unwrap();
                                black_box(file.len());
                            }
                        });
                    }
                });
            })
        });
        // The peer: the `image` crate on a rayon pool of `jobs` threads, in one process: open,
        // invert, save (its PNG default is `Fast` too; no sync, no temporary file).
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(jobs)
            .build()
            .unwrap();
        group.bench_function(format!("image_crate_rayon_jobs{jobs}"), |b| {
            use rayon::prelude::*;
            b.iter(|| {
                pool.install(|| {
                    inputs.par_iter().enumerate().for_each(|(i, input)| {
                        let mut img = image::open(input).unwrap();
                        img.invert();
                        img.save(out.join(format!("image_crate{i}.png"))).unwrap();
                    })
                })
            })
        });
        group.bench_function(format!("invert_{IMAGES}_files_jobs{jobs}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let plan = batch::plan(&inputs, &batch::OutputNaming::flat(&out));
                    let start = Instant::now();
                    let summary = batch::run(&plan, &options, &AtomicBool::new(false), |_| {});
                    total += start.elapsed();
                    assert_eq!(summary.written, IMAGES, "{:?}", summary.failed);
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, one_core, whole_batch);
criterion_main!(benches);

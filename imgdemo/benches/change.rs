//! The desktop app's own work for one change on a 12-megapixel photo, headless: what the
//! worker thread runs when a step is edited (`document::process_reusing`: the source copied
//! into the working buffer the previous result gives back, the operations, the preview
//! painted into the previous preview's pixels), beside a memcpy of the source's bytes into a
//! buffer already written, measured in the same run.
//!
//! Inputs: a generated 4000x3000 8-bit RGB photo (smooth, photo-like) for `invert`, `flip=h`
//! and `crop=500,500,3000,2000` + `invert`, and the same photo as RGBA for `cast=u32` (one
//! word per pixel, painted in false colour). The preview is the app's (`PREVIEW_MAX_SIDE`:
//! boxes of 2x2, a 2000x1500 picture).
//!
//! `cargo bench -p imgdemo --bench change -- --noplot`; after the run, each case prints the
//! medians of the three parts the app times (`Timings`: copy, ops, preview) to stderr. The
//! target (issue 15): the app's own work for a change at most 16 ms on a 2-core machine.
//! Window time (egui's layout, the texture upload, the renderer) comes on top: that is what
//! `imgdemo --measure-latency` reports.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use imgdemo::gui::PREVIEW_MAX_SIDE;
use imgdemo::gui::document::{Processed, Source, Timings, process_reusing};
use imgdemo::gui::preview::DisplayMode;
use imgdemo::pipeline::Op;
use std::hint::black_box;
use std::time::Duration;
use viewlib::{DynImageBuf, DynStridedImage};

mod common;
use common::photo;

/// One change: the steps after it, and the channels of the photo they run on.
const CASES: [(&str, &[&str], usize); 4] = [
    ("rgb_invert", &["invert"], 3),
    ("rgb_flip_h", &["flip=h"], 3),
    ("rgb_crop_invert", &["crop=500,500,3000,2000", "invert"], 3),
    ("rgba_cast_u32", &["cast=u32"], 4),
];

/// What the worker does for one change, given the result it sent last time (which the
/// window has dropped): the same call, the same reuse.
fn change(source: &Source, ops: &[Op], spare: Option<Processed>) -> Processed {
    process_reusing(source, ops, DisplayMode::Natural, PREVIEW_MAX_SIDE, spare)
        .expect("the steps apply to the photo")
}

/// The median of each part the app times, over `runs` changes.
fn median_parts(source: &Source, ops: &[Op], runs: usize) -> Timings {
    let mut spare = None;
    let mut parts: Vec<Timings> = (0..runs)
        .map(|_| {
            let result = change(source, ops, spare.take());
            let timings = result.timings;
            spare = Some(result);
            timings
        })
        .collect();
    let mut median = |part: fn(&Timings) -> Duration| {
        parts.sort_by_key(part);
        part(&parts[runs / 2])
    };
    Timings {
        copy: median(|t| t.copy),
        ops: median(|t| t.ops),
        preview: median(|t| t.preview),
    }
}

fn changes(c: &mut Criterion) {
    let mut parts = Vec::new();
    for (name, steps, channels) in CASES {
        let image = DynStridedImage::from(DynImageBuf::U8(photo(channels)));
        let source = Source::from_image(name.into(), image, PREVIEW_MAX_SIDE)
            .expect("an 8-bit photo needs no conversion");
        let ops: Vec<Op> = steps.iter().map(|s| s.parse().expect("an op")).collect();
        let bytes = source.image().memory_bytes().len();

        let mut group = c.benchmark_group(format!("change_12mp/{name}"));
        group.sample_size(30);
        group.warm_up_time(Duration::from_secs(1));
        group.measurement_time(Duration::from_secs(4));
        group.throughput(Throughput::Bytes(bytes as u64));
        let mut copy = vec![0u8; bytes];
        group.bench_function("memcpy_baseline", |b| {
            b.iter(|| copy.copy_from_slice(black_box(source.image().memory_bytes())))
        });
        drop(copy);
        let mut spare = None;
        group.bench_function("app_change", |b| {
            b.iter(|| spare = Some(change(black_box(&source), &ops, spare.take())))
        });
        group.finish();
        parts.push((name, median_parts(&source, &ops, 31)));
    }
    for (name, t) in parts {
        eprintln!(
            "change_12mp/{name}: median copy {:.2} ms, ops {:.2} ms, preview {:.2} ms",
            t.copy.as_secs_f64() * 1e3,
            t.ops.as_secs_f64() * 1e3,
            t.preview.as_secs_f64() * 1e3,
        );
    }
}

criterion_group!(benches, changes);
criterion_main!(benches);

//! The desktop app's preview of a 12-megapixel photo: a 4000x3000 RGB and RGBA image
//! box-averaged to the app's texture limit (`PREVIEW_MAX_SIDE`, 2048: boxes of 2x2, a
//! 2000x1500 picture), whole and cropped (a 3000x2000 crop, whose rows are slices of the
//! image's), each beside a memcpy of the same bytes in the same run, and the strided path
//! (a horizontally flipped view) for comparison. The output buffer is reused, as the app
//! reuses it.
//!
//! `cargo bench -p imgdemo --bench preview`. The target (issue 15): the app's own work for a
//! change on a 12 MP photo (working copy, operations, preview) within 16 ms on a 2-core
//! machine.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use imgdemo::gui::PREVIEW_MAX_SIDE;
use imgdemo::gui::preview::{DisplayMode, preview_reusing};
use std::hint::black_box;
use std::time::Duration;
use viewlib::View;

mod common;
use common::photo;

fn bench(c: &mut Criterion, name: &str, view: View<'_, u8, 3>) {
    let bytes = view.nbytes();
    let mut group = c.benchmark_group(format!("preview_12mp/{name}"));
    group.sample_size(30);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(bytes as u64));
    let source = vec![1u8; bytes];
    let mut copy = vec![0u8; bytes];
    group.bench_function("memcpy_baseline", |b| {
        b.iter(|| copy.copy_from_slice(black_box(&source)))
    });
    let mut spare = Vec::new();
    group.bench_function("preview", |b| {
        b.iter(|| {
            let p = preview_reusing(
                black_box(view),
                DisplayMode::Natural,
                PREVIEW_MAX_SIDE,
                std::mem::take(&mut spare),
            );
            spare = p.into_pixels().expect("nothing else holds the picture");
        })
    });
    group.finish();
}

fn previews(c: &mut Criterion) {
    for (channels, name) in [(3, "rgb"), (4, "rgba")] {
        let image = photo(channels);
        let whole = image.view();
        bench(c, &format!("{name}_whole"), whole);
        bench(
            c,
            &format!("{name}_crop_3000x2000"),
            whole.crop(500, 500, 3000, 2000).expect("inside"),
        );
        bench(c, &format!("{name}_flipped_h"), whole.flip_horizontal());
    }
}

criterion_group!(benches, previews);
criterion_main!(benches);

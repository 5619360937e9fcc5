//! The desktop app's preview of a 12-megapixel photo: a 4000x3000 RGB and RGBA image
//! box-averaged to the app's texture limit (`PREVIEW_MAX_SIDE`, 2048: boxes of 2x2, a
//! 2000x1500 picture), whole and cropped (a 3000x2000 crop, whose rows are slices of the
//! image's), each beside a memcpy of the same bytes in the same run, and the strided path
//! (a horizontally flipped view) for comparison; and the same RGBA pixels cast to one `u32`
//! word each (and the 1280x720 test card so cast), painted in false colour as the app
//! paints a `cast=u32` result, on the word fast path and on the general path it replaced.
//! The output buffer is reused, as the app reuses it.
//!
//! `cargo bench -p imgdemo --bench preview`. The target (issue 15): the app's own work for a
//! change on a 12 MP photo (working copy, operations, preview) within 16 ms on a 2-core
//! machine.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use egui::Color32;
use imgdemo::gui::PREVIEW_MAX_SIDE;
use imgdemo::gui::preview::{DisplayMode, Preview, preview_reusing, word_picture_reusing};
use std::hint::black_box;
use std::time::Duration;
use viewlib::{Slice, View};

mod common;
use common::photo;

/// One painting of a picture into the previous one's pixels.
type Paint<'a> = &'a dyn Fn(Vec<Color32>) -> Preview;

/// A memcpy of `bytes` and each of `paths` painting the same picture, in one group.
fn bench(c: &mut Criterion, name: &str, bytes: usize, paths: &[(&str, Paint<'_>)]) {
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
    for (path, paint) in paths {
        let mut spare = Vec::new();
        group.bench_function(*path, |b| {
            b.iter(|| {
                let p = paint(std::mem::take(&mut spare));
                spare = p.into_pixels().expect("nothing else holds the picture");
            })
        });
    }
    group.finish();
}

/// The app's preview of an 8-bit view.
fn bench_bytes(c: &mut Criterion, name: &str, view: View<'_, u8, 3>) {
    let paint = |spare| {
        preview_reusing(
            black_box(view),
            DisplayMode::Natural,
            PREVIEW_MAX_SIDE,
            spare,
        )
    };
    bench(c, name, view.nbytes(), &[("preview", &paint)]);
}

/// The app's false-colour picture of `u32` words (a cast RGBA image), and the general path
/// it took before words had a fast path: the library's view of each word's top three bytes,
/// read channel by channel.
fn bench_words(c: &mut Criterion, name: &str, words: View<'_, u32, 3>) {
    let fast = |spare| word_picture_reusing(black_box(words), PREVIEW_MAX_SIDE, spare);
    // The most significant byte first: bytes 3, 2, 1 of a little-endian word.
    let top_three = if cfg!(target_endian = "little") {
        Slice::new(Some(3), Some(0), -1)
    } else {
        Slice::new(Some(0), Some(3), 1)
    };
    let top_bytes = words
        .cast::<u8>()
        .and_then(|bytes| bytes.slice([Slice::FULL, Slice::FULL, top_three]))
        .expect("the words' top three bytes");
    let general = |spare| {
        preview_reusing(
            black_box(top_bytes),
            DisplayMode::Natural,
            PREVIEW_MAX_SIDE,
            spare,
        )
    };
    bench(
        c,
        name,
        words.nbytes(),
        &[("preview", &fast), ("preview_general_path", &general)],
    );
}

fn previews(c: &mut Criterion) {
    for (channels, name) in [(3, "rgb"), (4, "rgba")] {
        let image = photo(channels);
        let whole = image.view();
        bench_bytes(c, &format!("{name}_whole"), whole);
        bench_bytes(
            c,
            &format!("{name}_crop_3000x2000"),
            whole.crop(500, 500, 3000, 2000).expect("inside"),
        );
        bench_bytes(c, &format!("{name}_flipped_h"), whole.flip_horizontal());
        if channels == 4 {
            let words = whole.cast::<u32>().expect("RGBA8 pixels are words");
            bench_words(c, "rgba_as_u32_words", words);
            bench_words(c, "rgba_as_u32_words_flipped_h", words.flip_horizontal());
        }
    }
    let card = imgdemo::testcard::testcard();
    let card_words = card.view().cast::<u32>().expect("RGBA8 pixels are words");
    bench_words(c, "testcard_1280x720_as_u32_words", card_words);
}

criterion_group!(benches, previews);
criterion_main!(benches);

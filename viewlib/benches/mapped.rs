//! In-place invert on a memory-mapped file against the same bytes in memory, beside a plain
//! `copy_from_slice` of the same bytes (the memory bus), measured in the same run.
//!
//! `cargo bench -p viewlib --bench mapped`. The file is a 192 MiB 8192 x 8192 RGB PPM in the
//! temporary folder; after the first pass its pages are in the page cache, so this measures
//! the mapping's cost (page faults, TLB), not the disk:
//!
//! - `invert_in_memory`: `invert_in_place` on a `Vec`.
//! - `invert_mapped`: the same on the whole writable map, pages left resident.
//! - `invert_mapped_bands`: band by band, releasing each band's pages after it (what
//!   `imgdemo batch --in-place` did before it stopped mapping files): every pass faults every
//!   page back in from the page cache.
//! - `invert_row_file_bands`: band by band through `RowFile` (positioned reads and writes
//!   into one 16 MiB buffer), what `imgdemo batch --in-place` does now: no map, so a file
//!   truncated by another program is an error instead of `SIGBUS`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use viewlib::mapped::{FileLayout, MappedImageMut, MappedOutput, RowFile, SampleType};
use viewlib::ops::Alpha;
use viewlib::{ImageBuf, ViewMut};

const SIDE: usize = 8192;

fn mapped_invert(c: &mut Criterion) {
    let shape = [SIDE, SIDE, 3];
    let bytes = SIDE * SIDE * 3;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.ppm");
    let layout = FileLayout::pnm(SIDE, SIDE, 3, SampleType::U8).unwrap();
    let mut out = MappedOutput::create(&path, layout, false).unwrap();
    for (i, v) in out.view_mut::<u8>().unwrap().iter_mut().enumerate() {
        *v = (i * 31 % 251) as u8;
    }
    out.commit().unwrap();
    // A second copy for `RowFile`: the map holds the first one's exclusive lock.
    let rows_path = dir.path().join("bench-rows.ppm");
    std::fs::copy(&path, &rows_path).unwrap();
    let src: Vec<u8> = (0..bytes).map(|i| (i * 31 % 251) as u8).collect();
    let mut memory = src.clone();
    let mut other = vec![0u8; bytes];
    let mut mapped = MappedImageMut::open(&path).unwrap();
    let band_rows = (16 << 20) / (SIDE * 3);

    let mut group = c.benchmark_group("ppm_8192_rgb8");
    group.sample_size(20);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(4));
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("copy_baseline", |b| {
        b.iter(|| other.copy_from_slice(black_box(&src)))
    });
    group.bench_function("invert_in_memory", |b| {
        b.iter(|| {
            ViewMut::from_slice(&mut memory, shape)
                .unwrap()
                .invert_in_place(Alpha::Keep)
        })
    });
    group.bench_function("invert_mapped", |b| {
        b.iter(|| {
            mapped
                .view_mut::<u8>()
                .unwrap()
                .invert_in_place(Alpha::Keep)
        })
    });
    group.bench_function("invert_mapped_bands", |b| {
        b.iter(|| {
            mapped
                .for_each_band_mut::<u8>(0..SIDE, band_rows, |_, band| {
                    band.invert_in_place(Alpha::Keep)
                })
                .unwrap()
        })
    });
    let mut rows = RowFile::open_mut(&rows_path).unwrap();
    let mut band = ImageBuf::<u8>::new(band_rows, SIDE, 3).unwrap();
    group.bench_function("invert_row_file_bands", |b| {
        b.iter(|| {
            for first in (0..SIDE).step_by(band_rows) {
                let n = band_rows.min(SIDE - first);
                let mut part = band.view_mut().slice_along(0, 0..n).unwrap();
                rows.read_rows(first, part.reborrow()).unwrap();
                part.reborrow().invert_in_place(Alpha::Keep);
                rows.write_rows(first, part.into_view()).unwrap();
            }
        })
    });
    group.finish();
}

criterion_group!(benches, mapped_invert);
criterion_main!(benches);

//! `imgdemo batch` on mapped formats and streamed PNGs: the band-by-band path gives the same
//! pixels as the whole-image path, `--in-place` changes PNM and farbfeld files exactly as a
//! per-pixel reference says (and changes nothing when it cannot succeed), and memory does not
//! grow with the image height.

use std::path::{Path, PathBuf};
use std::process::Output;
use viewlib::io::{PngRowWriter, SaveOptions};
use viewlib::mapped::{FileLayout, MappedOutput, SampleType};
use viewlib::{U16Be, View};
use viewlib_e2e::{Plain, corpus_dir, imgdemo, peak_mib, text};

fn run(args: &[&str], inputs: &[&Path]) -> Output {
    imgdemo()
        .arg("batch")
        .args(args)
        .args(inputs)
        .output()
        .unwrap()
}

/// Pixels of an image, written through a mapped new file: a PGM/PPM or farbfeld of `w x h`.
fn make_mapped(path: &Path, layout: FileLayout) {
    let mut out = MappedOutput::create(path, layout, true).unwrap();
    let [_, w, c] = layout.shape();
    let value =
        |y: usize, x: usize, ch: usize| ((x * 37 + y * 101 + ch * 53) * 2_654_435_761) as u64;
    if layout.sample_type() == SampleType::U8 {
        let mut view = out.view_mut::<u8>().unwrap();
        for (i, v) in view.iter_mut().enumerate() {
            *v = value(i / (w * c), i / c % w, i % c) as u8;
        }
    } else {
        let mut view = out.view_mut::<U16Be>().unwrap();
        for (i, v) in view.iter_mut().enumerate() {
            *v = U16Be::new(value(i / (w * c), i / c % w, i % c) as u16);
        }
    }
    out.commit().unwrap();
}

/// Inputs of every mapped format and bit depth, made in `dir`.
fn mapped_inputs(dir: &Path) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for (name, layout) in [
        ("gray8.pgm", FileLayout::pnm(61, 47, 1, SampleType::U8)),
        ("rgb8.ppm", FileLayout::pnm(61, 47, 3, SampleType::U8)),
        ("gray16.pgm", FileLayout::pnm(53, 29, 1, SampleType::U16Be)),
        ("rgb16.ppm", FileLayout::pnm(53, 29, 3, SampleType::U16Be)),
        ("rgba16.ff", FileLayout::farbfeld(37, 41)),
    ] {
        let path = dir.join(name);
        make_mapped(&path, layout.unwrap());
        paths.push(path);
    }
    paths
}

/// [`mapped_inputs`], plus PNGs of 8 and 16 bits with and without alpha from `corpus`.
fn inputs(corpus: &Path, dir: &Path) -> Vec<PathBuf> {
    let mut paths = mapped_inputs(dir);
    for name in [
        "photos/astronaut.png",
        "photos/tmshre_riaphotographs_alpha.png",
        "photos/hdr_room.png",
        "pngsuite/basn4a16.png",
        "pngsuite/basn3p04.png",
    ] {
        paths.push(corpus.join(name));
    }
    paths
}

#[test]
fn band_by_band_outputs_equal_the_whole_image_outputs() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let inputs = inputs(&corpus, dir.path());
    let inputs: Vec<&Path> = inputs.iter().map(PathBuf::as_path).collect();
    for (k, chain) in [
        vec!["invert"],
        vec!["crop=3,5,20,17", "invert=all"],
        vec!["flip=h", "channel=G", "gamma=2.2"],
        vec!["gray", "crop=1,2,9,9", "threshold=0.5"],
        vec!["brightness=0.1", "contrast=1.5", "flip=h"],
    ]
    .iter()
    .enumerate()
    {
        let mut args: Vec<&str> = chain.iter().flat_map(|op| ["--op", op]).collect();
        let whole = dir.path().join(format!("whole{k}"));
        let banded = dir.path().join(format!("banded{k}"));
        let whole_run = run(
            &[&args[..], &["--out", whole.to_str().unwrap()]].concat(),
            &inputs,
        );
        args.extend(["--stream-above", "0", "--out", banded.to_str().unwrap()]);
        let banded_run = run(&args, &inputs);
        // Channel G of a gray image fails on both paths alike.
        assert_eq!(
            whole_run.status.code(),
            banded_run.status.code(),
            "{chain:?}"
        );
        assert_eq!(
            text(&whole_run.stderr),
            text(&banded_run.stderr).replace(&*banded.to_string_lossy(), &whole.to_string_lossy()),
            "{chain:?}"
        );
        let mut compared = 0;
        for entry in std::fs::read_dir(&whole).unwrap() {
            let name = entry.unwrap().file_name();
            let context = format!("{chain:?} {}", name.to_string_lossy());
            Plain::load(&banded.join(&name)).assert_eq(&Plain::load(&whole.join(&name)), &context);
            compared += 1;
        }
        assert!(compared >= 7, "{chain:?}: {compared} outputs");
    }
}

#[test]
fn in_place_matches_the_reference_and_the_output_path() {
    let dir = tempfile::tempdir().unwrap();
    let made = mapped_inputs(dir.path());
    let mapped: Vec<&Path> = made.iter().map(PathBuf::as_path).collect();
    for chain in [
        vec!["invert"],
        vec!["flip=v", "gamma=0.5"],
        vec!["flip=h", "threshold=0.3", "invert=all"],
    ] {
        let args: Vec<&str> = chain.iter().flat_map(|op| ["--op", op]).collect();
        let out = dir.path().join(chain.join("_").replace('=', "-"));
        let to_out = run(
            &[&args[..], &["--out", out.to_str().unwrap()]].concat(),
            &mapped,
        );
        assert_eq!(to_out.status.code(), Some(0), "{}", text(&to_out.stderr));
        let copies: Vec<PathBuf> = mapped
            .iter()
            .map(|p| {
                let copy = out.join(p.file_name().unwrap());
                std::fs::copy(p, &copy).unwrap();
                copy
            })
            .collect();
        let copies_ref: Vec<&Path> = copies.iter().map(PathBuf::as_path).collect();
        let in_place = run(&[&args[..], &["--in-place"]].concat(), &copies_ref);
        assert_eq!(
            in_place.status.code(),
            Some(0),
            "{}",
            text(&in_place.stderr)
        );
        assert!(
            text(&in_place.stdout).starts_with("5 written"),
            "{}",
            text(&in_place.stdout)
        );
        for (input, copy) in mapped.iter().zip(&copies) {
            let stem = input.file_stem().unwrap().to_string_lossy();
            let context = format!("{chain:?} {}", copy.display());
            // The file changed in place holds what the normal run wrote as PNG ...
            Plain::load(copy).assert_eq(&Plain::load(&out.join(format!("{stem}.png"))), &context);
            // ... which is the per-pixel reference (for the chains it has a reference for).
            if !chain
                .iter()
                .any(|op| op.starts_with("gamma") || op.starts_with("threshold"))
            {
                let mut expected = Plain::load(input);
                for op in &chain {
                    expected = expected.apply(op).unwrap();
                }
                Plain::load(copy).assert_eq(&expected, &context);
            }
        }
    }
}

#[test]
fn in_place_crop_and_channel_choose_what_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rgb16.ppm");
    make_mapped(
        &path,
        FileLayout::pnm(53, 29, 3, SampleType::U16Be).unwrap(),
    );
    let before = Plain::load(&path);
    let ops = [
        "--op",
        "crop=10,4,20,7",
        "--op",
        "channel=B",
        "--op",
        "invert",
    ];
    let done = run(&[&ops[..], &["--in-place"]].concat(), &[&path]);
    assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));
    let expected = Plain::from_fn(53, 29, 3, 65535, |x, y, ch| {
        let v = before.at(x, y, ch);
        let inside = (10..30).contains(&x) && (4..11).contains(&y) && ch == 2;
        if inside { 65535 - v } else { v }
    });
    Plain::load(&path).assert_eq(&expected, "blue of the crop inverted in the file");
}

#[test]
fn in_place_changes_nothing_when_it_cannot_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let ppm = dir.path().join("a.ppm");
    make_mapped(&ppm, FileLayout::pnm(40, 30, 3, SampleType::U8).unwrap());
    let png = dir.path().join("b.png");
    std::fs::copy("../assets/testcard.png", &png).unwrap();
    let odd = dir.path().join("maxval1000.pgm");
    let mut bytes = b"P5 4 1 1000\n".to_vec();
    bytes.extend([0, 1, 0, 2, 3, 0xe8, 1, 0]);
    std::fs::write(&odd, &bytes).unwrap();
    let short = dir.path().join("short.ppm");
    std::fs::write(&short, &std::fs::read(&ppm).unwrap()[..100]).unwrap();
    let files = [&ppm, &png, &odd, &short];
    let before: Vec<Vec<u8>> = files.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &["--op", "gray"],
            &["a.ppm: operation 1 `gray`: changes the image's shape"],
        ),
        (
            &["--op", "invert", "--op", "crop=0,0,41,1"],
            &["a.ppm: operation 2 `crop=0,0,41,1`: crop"],
        ),
        (&["--op", "transpose"], &["operation 1 `transpose`"]),
        (
            &["--op", "invert"],
            &[
                "b.png: not a valid PNM or farbfeld header",
                "--in-place changes only binary PNM (P5/P6) and farbfeld files",
                "maxval1000.pgm: Pnm { maxval: 1000 }: samples do not span the full range",
                "short.ppm: too short",
            ],
        ),
    ];
    for (ops, messages) in cases {
        let inputs: Vec<&Path> = if messages.len() > 1 {
            files.iter().map(|p| p.as_path()).collect()
        } else {
            vec![ppm.as_path()]
        };
        let done = run(&[ops, &["--in-place"]].concat(), &inputs);
        let stderr = text(&done.stderr);
        assert_eq!(done.status.code(), Some(1), "{ops:?}: {stderr}");
        for message in messages {
            assert!(
                stderr.contains(message),
                "{ops:?}: no {message:?} in {stderr}"
            );
        }
        for (path, bytes) in files.iter().zip(&before) {
            if *path != &ppm || messages.len() == 1 {
                assert_eq!(
                    &std::fs::read(path).unwrap(),
                    bytes,
                    "{ops:?}: {} changed",
                    path.display()
                );
            }
        }
    }
    // Usage: --in-place and --out exclude each other; one of them is required.
    let inverted = std::fs::read(&ppm).unwrap(); // by the last case, which could succeed there
    let both = run(&["--in-place", "--out", "x", "--op", "invert"], &[&ppm]);
    assert_eq!(both.status.code(), Some(2));
    let neither = run(&["--op", "invert"], &[&ppm]);
    assert_eq!(neither.status.code(), Some(2));
    assert!(
        std::fs::read(&ppm).unwrap() == inverted,
        "usage errors change nothing"
    );
}

/// A tall PNG written row by row (never whole in memory): `width x height` RGB8.
fn tall_png(path: &Path, width: usize, height: usize) {
    let options = SaveOptions {
        compression: viewlib::io::PngCompression::Fastest,
        ..SaveOptions::default()
    };
    let mut writer = PngRowWriter::create(path, [height, width, 3], 8, &options).unwrap();
    let rows = 64;
    let mut band = vec![0u8; rows * width * 3];
    for first in (0..height).step_by(rows) {
        let n = rows.min(height - first);
        for (i, v) in band[..n * width * 3].iter_mut().enumerate() {
            *v = ((first + i / (width * 3)) * 3 + i % (width * 3)) as u8;
        }
        writer
            .write_rows(View::from_slice(&band[..n * width * 3], [n, width, 3]).unwrap())
            .unwrap();
    }
    writer.finish().unwrap().commit().unwrap();
}

#[test]
fn a_png_streams_with_memory_independent_of_its_height() {
    let dir = tempfile::tempdir().unwrap();
    let (short, tall) = (dir.path().join("short.png"), dir.path().join("tall.png"));
    tall_png(&short, 2000, 6000); // 36 MB decoded
    tall_png(&tall, 2000, 48000); // 288 MB decoded
    let peak = |input: &Path, out: &str| {
        let out = dir.path().join(out);
        let done = run(
            &[
                "--op",
                "crop=7,0,1990,5990",
                "--op",
                "invert",
                "--stream-above",
                "0",
                "--jobs",
                "1",
                "--out",
                out.to_str().unwrap(),
            ],
            &[input],
        );
        assert_eq!(done.status.code(), Some(0), "{}", text(&done.stderr));
        peak_mib(&text(&done.stdout))
    };
    let (peak_short, peak_tall) = (peak(&short, "out_short"), peak(&tall, "out_tall"));
    eprintln!("peak memory: 6000 rows {peak_short:.1} MiB, 48000 rows {peak_tall:.1} MiB");
    // 8x the rows: the peak stays about one band, far below the 288 MB image.
    assert!(
        peak_tall < peak_short + 16.0,
        "{peak_short:.1} vs {peak_tall:.1} MiB"
    );
    assert!(peak_tall < 100.0, "{peak_tall:.1} MiB");
    // And the pixels are right: the crop's corners, inverted.
    let out = Plain::load(&dir.path().join("out_tall/tall.png"));
    assert_eq!((out.w, out.h), (1990, 5990));
    let source = |x: usize, y: usize, ch: usize| ((y * 3 + x * 3 + ch) as u8) as u32;
    for (x, y) in [(0, 0), (1989, 0), (0, 5989), (1989, 5989), (1000, 3000)] {
        for ch in 0..3 {
            assert_eq!(
                out.at(x, y, ch),
                255 - source(x + 7, y, ch),
                "({x}, {y}) {ch}"
            );
        }
    }
}

//! The real `imgdemo batch` binary over folders mixing good, corrupt and non-image files:
//! outputs against a plain per-pixel reference of each operation chain, failures reported,
//! nothing half-written, inputs untouched, exit codes, bounded memory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use viewlib_e2e::{Plain, corpus_dir, imgdemo, peak_mib, snapshot, text};

/// The bundled test card (1280x720 RGBA), for tests that need any image at all.
const TEST_CARD: &str = "../assets/testcard.png";

fn batch(args: &[&str], inputs: &[&Path], out: &Path) -> Output {
    let output = imgdemo()
        .arg("batch")
        .args(args)
        .arg("--out")
        .arg(out)
        .args(inputs)
        .output()
        .unwrap();
    let _ = std::fs::write(out.with_extension("stderr.txt"), &output.stderr);
    output
}

const GOOD: [&str; 6] = [
    "photos/astronaut.png",                   // RGB8
    "photos/camera.png",                      // L8
    "photos/hdr_room.png",                    // RGB16
    "photos/tmshre_riaphotographs_alpha.png", // RGBA8
    "photos/rocket.jpg",                      // JPEG
    "pngsuite/basn4a16.png",                  // gray+alpha 16-bit
];
const CORRUPT: [&str; 4] = [
    "pngsuite/xcrn0g04.png",
    "pngsuite/xhdn0g08.png",
    "pngsuite/xdtn0g01.png",
    "formats/badrle.bmp",
];

/// A folder with good images from `corpus` (one in a subfolder), corrupt ones, a truncated
/// PNG and non-image files.
fn mixed_folder(corpus: &Path, dir: &Path) -> PathBuf {
    let input = dir.join("in");
    std::fs::create_dir_all(input.join("more")).unwrap();
    for (i, name) in GOOD.iter().chain(&CORRUPT).enumerate() {
        let from = corpus.join(name);
        let file = from.file_name().unwrap();
        let to = if i == 1 {
            input.join("more").join(file)
        } else {
            input.join(file)
        };
        std::fs::copy(from, to).unwrap();
    }
    let whole = std::fs::read(corpus.join("photos/astronaut.png")).unwrap();
    std::fs::write(input.join("truncated.png"), &whole[..whole.len() / 3]).unwrap();
    std::fs::write(input.join("notes.txt"), "not an image").unwrap();
    std::fs::write(input.join("more/data.bin"), [0u8, 1, 2, 3]).unwrap();
    input
}

#[test]
fn a_mixed_folder_gives_reference_outputs_reports_failures_and_leaves_no_trace() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = mixed_folder(&corpus, dir.path());
    let before = snapshot(&input);
    let chains: [&[&str]; 5] = [
        &["invert"],
        &["crop=10,20,200,150", "invert", "flip=h"],
        &["channel=G", "flip=v"],
        &["transpose", "gray", "invert"],
        &["gray", "crop=3,5,300,90", "transpose"],
    ];
    for (n, chain) in chains.iter().enumerate() {
        let out = dir.path().join(format!("out{n}"));
        let mut args: Vec<&str> = chain.iter().flat_map(|op| ["--op", op]).collect();
        args.extend(["--jobs", "2"]);
        let run = batch(&args, &[&input], &out);
        let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
        assert_eq!(run.status.code(), Some(1), "{chain:?}\n{stdout}\n{stderr}");

        let mut expected_outputs = Vec::new();
        for name in GOOD {
            let file = Path::new(name).file_name().unwrap();
            let source = if name == GOOD[1] {
                input.join("more").join(file)
            } else {
                input.join(file)
            };
            let mut reference = Some(Plain::load(&source));
            for op in chain.iter() {
                reference = reference.and_then(|r| r.apply(op));
            }
            let stem = Path::new(file).file_stem().unwrap().to_string_lossy();
            let output = out.join(format!("{stem}.png"));
            match reference {
                Some(reference) => {
                    Plain::load(&output).assert_eq(&reference, &format!("{chain:?} on {name}"));
                    expected_outputs.push(output);
                }
                None => {
                    assert!(!output.exists(), "{chain:?} on {name} should fail");
                    assert!(
                        stderr.contains(&format!("error: {}: operation ", source.display())),
                        "{chain:?} on {name}: {stderr}"
                    );
                }
            }
        }
        // Exactly the expected outputs: no output for corrupt files, no temporary files.
        let written: Vec<PathBuf> = snapshot(&out).into_keys().collect();
        expected_outputs.sort();
        assert_eq!(written, expected_outputs, "{chain:?}");
        for name in CORRUPT
            .iter()
            .map(|n| Path::new(n).file_name().unwrap())
            .chain([std::ffi::OsStr::new("truncated.png")])
        {
            assert!(
                stderr.contains(&format!(
                    "error: {}: cannot decode",
                    input.join(name).display()
                )),
                "{name:?} not reported: {stderr}"
            );
        }
        assert!(stderr.contains(&format!(
            "note: skipped {}: not an image",
            input.join("notes.txt").display()
        )));
        assert!(stderr.contains(&format!(
            "note: skipped {}: not an image",
            input.join("more/data.bin").display()
        )));
        assert!(
            !stderr.contains('\r'),
            "no progress bar when stderr is not a terminal"
        );
        let failed = GOOD.len() - expected_outputs.len() + CORRUPT.len() + 1;
        assert!(
            stdout.starts_with(&format!(
                "{} written, {failed} failed, 2 skipped in ",
                expected_outputs.len()
            )),
            "{stdout}"
        );
        assert!(
            stdout.contains("MP/s") && stdout.contains("worker time: decode"),
            "{stdout}"
        );
    }
    assert!(snapshot(&input) == before, "inputs were modified");
}

#[test]
fn existing_outputs_are_kept_unless_overwrite_and_names_never_collide() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    let photo = corpus.join("photos/camera.png");
    std::fs::copy(&photo, a.join("x.png")).unwrap();
    std::fs::copy(corpus.join("photos/rocket.jpg"), b.join("x.jpg")).unwrap();
    std::fs::copy(&photo, b.join("X-2.png")).unwrap();
    let out = dir.path().join("out");
    let first = batch(&["--op", "invert"], &[&a, &b], &out);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    let names: Vec<String> = snapshot(&out)
        .into_keys()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    // In input order: a/x.png, b/X-2.png, b/x.jpg.
    assert_eq!(names, ["X-2.png", "x-3.png", "x.png"]);
    assert_eq!(Plain::load(&out.join("x-3.png")).w, 640); // the JPEG

    let written = snapshot(&out);
    let again = batch(&["--op", "flip=h"], &[&a, &b], &out);
    assert_eq!(again.status.code(), Some(1));
    let stderr = text(&again.stderr);
    for name in ["x.png", "X-2.png", "x-3.png"] {
        let expected = format!("error: {}: already exists", out.join(name).display());
        assert!(stderr.contains(&expected), "{stderr}");
    }
    assert!(snapshot(&out) == written, "existing outputs were replaced");

    let forced = batch(&["--op", "flip=h", "--overwrite"], &[&a, &b], &out);
    assert_eq!(forced.status.code(), Some(0), "{}", text(&forced.stderr));
    let flipped = Plain::load(&out.join("x.png"));
    flipped.assert_eq(
        &Plain::load(&a.join("x.png")).apply("flip=h").unwrap(),
        "flip=h",
    );
}

#[test]
fn the_output_folder_inside_the_input_is_not_reprocessed_and_inputs_are_never_targets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(TEST_CARD, dir.path().join("card.png")).unwrap();
    let out = dir.path().join("out");
    for _ in 0..2 {
        let run = batch(&["--overwrite"], &[dir.path()], &out);
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
        assert!(
            text(&run.stdout).starts_with("1 written, 0 failed"),
            "{}",
            text(&run.stdout)
        );
    }
    // Writing into the input's own folder: the output would be the input itself.
    let input = dir.path().join("card.png");
    let before = std::fs::read(&input).unwrap();
    let run = batch(&["--op", "invert", "--overwrite"], &[&input], dir.path());
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run.stderr).contains("is the input itself; inputs are never modified"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

#[test]
fn usage_errors_exit_2_and_help_documents_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let photo = std::path::absolute(TEST_CARD).unwrap(); // the commands run in `dir`
    for args in [
        vec!["batch", "--op", "crop=1,2,3", "--out", "o"],
        vec!["batch", "--op", "blur", "--out", "o"],
        vec!["batch", "--jobs", "0", "--out", "o"],
        vec!["batch", "--overwrite"],
        vec!["batch", "--frobnicate", "--out", "o"],
    ] {
        let run = imgdemo()
            .current_dir(dir.path())
            .args(&args)
            .arg(&photo)
            .output()
            .unwrap();
        assert_eq!(
            run.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&run.stderr)
        );
        assert!(!text(&run.stderr).is_empty());
    }
    assert!(
        !dir.path().join("o").exists(),
        "nothing is written on a usage error"
    );
    let help = imgdemo().args(["batch", "--help"]).output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help.stdout);
    for needle in [
        "--op",
        "--out",
        "--jobs",
        "--overwrite",
        "crop=X,Y,W,H",
        "channel=R|G|B|A",
        "flip=h|v",
        "transpose",
        "gray",
        "EXIT STATUS",
        "temporary file",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

#[test]
fn float_images_become_16_bit_pngs() {
    let Some(corpus) = corpus_dir() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let hdr = corpus.join("formats/image1.hdr");
    let out = dir.path().join("out");
    let run = batch(&["--op", "flip=v"], &[&hdr], &out);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let decoded = image::open(out.join("image1.png")).unwrap();
    assert_eq!(decoded.color(), image::ColorType::Rgb16);
    let source = image::open(&hdr).unwrap().into_rgb16();
    let flipped = image::imageops::flip_vertical(&source);
    assert_eq!(decoded.into_rgb16(), flipped);
}

/// `count` copies of the test card at 2560x1440 RGBA (14 MiB decoded each), `card00.png`, ...
fn big_cards(dir: &Path, count: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let card = image::open(TEST_CARD).unwrap().resize_exact(
        2560,
        1440,
        image::imageops::FilterType::Nearest,
    );
    card.save(dir.join("card00.png")).unwrap();
    for i in 1..count {
        std::fs::copy(dir.join("card00.png"), dir.join(format!("card{i:02}.png"))).unwrap();
    }
}

#[test]
fn memory_is_bounded_by_jobs_not_by_the_number_of_files() {
    let dir = tempfile::tempdir().unwrap();
    let (few, many) = (dir.path().join("few"), dir.path().join("many"));
    big_cards(&few, 3);
    big_cards(&many, 24);
    let run = |input: &Path, out: &str| {
        let run = batch(
            &["--op", "invert", "--jobs", "2"],
            &[input],
            &dir.path().join(out),
        );
        assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
        peak_mib(&text(&run.stdout))
    };
    let (peak_few, peak_many) = (run(&few, "out_few"), run(&many, "out_many"));
    // 8x the files, the same two workers: the peak may wobble, not grow with the count.
    assert!(
        peak_many < peak_few * 1.25 + 8.0,
        "3 files: {peak_few:.1} MiB, 24 files: {peak_many:.1} MiB"
    );
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_with_only_whole_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    big_cards(&input, 40);
    let out = dir.path().join("out");
    let child = imgdemo()
        .args(["batch", "--op", "invert", "--jobs", "1", "--out"])
        .arg(&out)
        .arg(&input)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the first output is in place.
    let start = std::time::Instant::now();
    while !out.join("card00.png").exists() {
        assert!(start.elapsed().as_secs() < 60, "no output after 60 s");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    assert!(stderr.contains("stopped by Ctrl-C"), "{stderr}");
    assert!(stdout.contains("not started)"), "{stdout}");
    let written = snapshot(&out);
    assert!(
        !written.is_empty() && written.len() < 40,
        "{} outputs",
        written.len()
    );
    let expected = Plain::load(&input.join("card00.png"))
        .apply("invert")
        .unwrap();
    for path in written.keys() {
        let name = path.file_name().unwrap().to_string_lossy();
        assert!(
            name.starts_with("card") && name.ends_with(".png"),
            "left behind: {name}"
        );
        Plain::load(path).assert_eq(&expected, &name);
    }
}

/// The articles' two operations in the batch grammar: a NumPy slice with steps and a
/// reversal, then a cast of RGBA8 bytes to big-endian 16-bit pairs (R,G and B,A), written as
/// a 16-bit gray+alpha PNG; a result of 32-bit words is refused with the reason.
#[test]
fn slice_and_cast_steps_give_numpy_slicing_and_reinterpreted_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let card = Path::new(TEST_CARD);
    let run = batch(
        &["--op", "slice=100:400:2,::-1", "--op", "cast=u16be"],
        &[card],
        &out,
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let source = image::open(card).unwrap().into_rgba8();
    let decoded = image::open(out.join("testcard.png")).unwrap();
    assert_eq!(decoded.color(), image::ColorType::La16);
    let w = source.width();
    assert_eq!((decoded.width(), decoded.height()), (w, 150));
    let expected: Vec<u16> = (100..400)
        .step_by(2)
        .flat_map(|y| (0..w).rev().map(move |x| (x, y)))
        .flat_map(|(x, y)| {
            let [r, g, b, a] = source.get_pixel(x, y).0;
            [u16::from_be_bytes([r, g]), u16::from_be_bytes([b, a])]
        })
        .collect();
    assert_eq!(decoded.into_luma_alpha16().into_raw(), expected);

    let words = batch(&["--op", "cast=u32"], &[card], &dir.path().join("words"));
    assert_eq!(words.status.code(), Some(1), "{}", text(&words.stderr));
    assert!(
        text(&words.stderr).contains("no output format holds (end the operations with cast=u8"),
        "{}",
        text(&words.stderr)
    );
    let bad = batch(&["--op", "slice=::0"], &[card], &dir.path().join("bad"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("the step cannot be zero"),
        "{}",
        text(&bad.stderr)
    );
}

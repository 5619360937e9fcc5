//! `imgdemo batch` driven by scripts: `--json` lines, `--skip-existing` reruns, `--keep-tree`
//! names, `--files-from` lists, `--format`/`--quality`, `--quiet` and `--version`. Each case
//! runs the real binary on the bundled test card or on images it makes itself (no corpus).

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use viewlib_e2e::{imgdemo, snapshot, text};

/// The bundled test card: 1280x720 RGBA, 8-bit.
fn test_card() -> PathBuf {
    std::path::absolute("../assets/testcard.png").unwrap()
}

/// `imgdemo batch ARGS` in `dir`.
fn batch_in(dir: &Path, args: &[&str]) -> Output {
    imgdemo()
        .current_dir(dir)
        .arg("batch")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The same, with `input` on standard input.
fn batch_with_stdin(dir: &Path, args: &[&str], input: &[u8]) -> Output {
    let mut child = imgdemo()
        .current_dir(dir)
        .arg("batch")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exited, not killed")
}

/// Every stdout line parsed as JSON (a line that is not JSON fails the test).
fn json_lines(out: &Output) -> Vec<Value> {
    text(&out.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}")))
        .collect()
}

/// The file lines by input file name.
fn by_name(lines: &[Value]) -> BTreeMap<String, Value> {
    lines
        .iter()
        .filter(|l| l["type"] == "file")
        .map(|l| {
            let input = l["input"].as_str().unwrap();
            let name = Path::new(input).file_name().unwrap().to_string_lossy();
            (name.into_owned(), l.clone())
        })
        .collect()
}

/// Every file under `dir`, relative to it, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    snapshot(dir)
        .into_iter()
        .map(|(path, bytes)| {
            let relative = path
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (relative, bytes)
        })
        .collect()
}

/// A 16-bit gray ramp of `w` x `h`.
fn gray16(path: &Path, w: u32, h: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image::ImageBuffer::<image::Luma<u16>, _>::from_fn(w, h, |x, y| {
        image::Luma([(x * 997 + y * 131) as u16])
    })
    .save(path)
    .unwrap();
}

/// A copy of the test card at `path`.
fn card_at(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::copy(test_card(), path).unwrap();
}

#[test]
fn json_prints_one_line_per_file_and_a_summary_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    card_at(&input.join("card.png"));
    gray16(&input.join("ramp.png"), 300, 200);
    std::fs::write(input.join("broken.png"), b"\x89PNG\r\n\x1a\n not really").unwrap();
    std::fs::write(input.join("notes.txt"), "not an image").unwrap();
    let run = batch_in(
        dir.path(),
        &[
            "--json",
            "--op",
            "crop=0,0,100,50",
            "--out",
            "out",
            "in",
            "missing.png",
        ],
    );
    assert_eq!(code(&run), 1, "{}", text(&run.stderr));
    let lines = json_lines(&run);
    assert_eq!(lines.len(), 6, "{}", text(&run.stdout));
    // Every line has the same keys as the others of its type; the summary is last.
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    for line in &lines[..5] {
        assert_eq!(line["type"], "file");
        assert_eq!(keys(line), keys(&lines[0]));
    }
    let files = by_name(&lines);
    let card = &files["card.png"];
    assert_eq!(card["status"], "written");
    assert_eq!(card["input"], "in/card.png");
    assert_eq!(card["output"], "out/card.png");
    assert_eq!(
        (card["width"].as_u64(), card["height"].as_u64()),
        (Some(1280), Some(720))
    );
    assert_eq!(
        (card["channels"].as_u64(), card["sample_type"].as_str()),
        (Some(4), Some("u8"))
    );
    assert_eq!(
        (
            card["output_width"].as_u64(),
            card["output_height"].as_u64()
        ),
        (Some(100), Some(50))
    );
    for time in ["decode_ms", "ops_ms", "encode_ms", "sync_ms"] {
        assert!(
            card[time].as_f64().is_some_and(|t| t >= 0.0),
            "{time}: {card}"
        );
    }
    assert!(card["error"].is_null() && card["skip_reason"].is_null());
    assert_eq!(files["ramp.png"]["sample_type"], "u16");
    let broken = &files["broken.png"];
    assert_eq!(broken["status"], "failed");
    assert_eq!(broken["error"]["kind"], "decode");
    assert!(
        broken["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("in/broken.png: cannot decode"),
        "{broken}"
    );
    assert!(broken["width"].is_null());
    let notes = &files["notes.txt"];
    assert_eq!(
        (notes["status"].as_str(), notes["skip_reason"].as_str()),
        (Some("skipped"), Some("not_an_image"))
    );
    assert!(notes["output"].is_null());
    assert_eq!(files["missing.png"]["error"]["kind"], "not_found");

    let summary = &lines[5];
    assert_eq!(summary["type"], "summary");
    let count = |key: &str| summary[key].as_u64().unwrap();
    assert_eq!(
        [
            count("written"),
            count("failed"),
            count("skipped"),
            count("skipped_not_image")
        ],
        [2, 2, 1, 1]
    );
    assert_eq!((count("not_started"), count("exit_code")), (0, 1));
    assert!(summary["elapsed_ms"].as_f64().unwrap() > 0.0);
    // Errors still reach people on stderr, one line each.
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("error: in/broken.png: cannot decode"),
        "{stderr}"
    );
}

#[test]
fn skip_existing_turns_a_rerun_into_skips_that_exit_0_without_reading_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    card_at(&input.join("card.png"));
    gray16(&input.join("ramp.png"), 64, 32);
    let args = ["--op", "invert", "--out", "out", "in"];
    let first = batch_in(dir.path(), &args);
    assert_eq!(code(&first), 0, "{}", text(&first.stderr));
    let written = tree(&dir.path().join("out"));
    assert_eq!(written.len(), 2);

    // Without it, existing outputs are failures (the convention before --skip-existing).
    let again = batch_in(dir.path(), &args);
    assert_eq!(code(&again), 1);
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );

    // With it, a rerun is a success that reads nothing: a broken input stays unread.
    std::fs::write(input.join("card.png"), b"broken since").unwrap();
    let rerun = batch_in(dir.path(), &[&["--skip-existing"], &args[..]].concat());
    assert_eq!(code(&rerun), 0, "{}", text(&rerun.stderr));
    assert!(
        text(&rerun.stdout)
            .starts_with("0 written, 0 failed, 2 skipped (2 existing outputs kept) in "),
        "{}",
        text(&rerun.stdout)
    );
    assert_eq!(tree(&dir.path().join("out")), written, "outputs untouched");

    // Only what is missing is done; JSON says which were skipped and why.
    std::fs::remove_file(dir.path().join("out/ramp.png")).unwrap();
    let resumed = batch_in(
        dir.path(),
        &[&["--skip-existing", "--json"], &args[..]].concat(),
    );
    assert_eq!(code(&resumed), 0, "{}", text(&resumed.stderr));
    let lines = json_lines(&resumed);
    let files = by_name(&lines);
    assert_eq!(files["ramp.png"]["status"], "written");
    assert_eq!(files["card.png"]["status"], "skipped");
    assert_eq!(files["card.png"]["skip_reason"], "output_exists");
    let summary = lines.last().unwrap();
    assert_eq!(
        (
            summary["written"].as_u64(),
            summary["skipped_existing"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(summary["exit_code"], 0);
    assert_eq!(
        tree(&dir.path().join("out")),
        written,
        "the same bytes as the first run"
    );

    let both = batch_in(
        dir.path(),
        &[&["--skip-existing", "--overwrite"], &args[..]].concat(),
    );
    assert_eq!(code(&both), 2, "{}", text(&both.stderr));
}

#[test]
fn keep_tree_mirrors_relative_paths_whatever_the_order_and_refuses_clashes() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    card_at(&root.join("in/a/x.png"));
    gray16(&root.join("in/b/c/y.png"), 40, 30);
    gray16(&root.join("in/b/z.png"), 40, 30);
    let expected = ["a/x.jpg", "b/c/y.jpg", "b/z.jpg"];

    // Folders and single files, in two orders: the same names.
    for (out, inputs) in [
        ("out1", vec!["in/a", "in/b"]),
        ("out2", vec!["in/b/z.png", "in/b", "in/a/x.png"]),
    ] {
        let mut args = vec![
            "--keep-tree",
            "--relative-to",
            "in",
            "--format",
            "jpeg",
            "--out",
            out,
        ];
        args.extend(inputs);
        let run = batch_in(root, &args);
        assert_eq!(code(&run), 0, "{}", text(&run.stderr));
        let names: Vec<String> = tree(&root.join(out)).into_keys().collect();
        assert_eq!(names, expected, "{out}");
    }
    // Relative to the current folder by default; `.` and `..` resolved by name.
    let run = batch_in(root, &["--keep-tree", "--out", "out3", "in/b/../a"]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    assert_eq!(
        tree(&root.join("out3")).into_keys().collect::<Vec<_>>(),
        ["in/a/x.png"]
    );

    // Two inputs that would share an output both fail, whatever the order; the rest is done.
    image::open(test_card())
        .unwrap()
        .save(root.join("in/a/x.bmp"))
        .unwrap();
    let run = batch_in(
        root,
        &[
            "--keep-tree",
            "--relative-to",
            "in",
            "--json",
            "--out",
            "out4",
            "in",
        ],
    );
    assert_eq!(code(&run), 1);
    let files = by_name(&json_lines(&run));
    for name in ["x.png", "x.bmp"] {
        assert_eq!(files[name]["error"]["kind"], "output_collision", "{name}");
    }
    assert_eq!(files["y.png"]["status"], "written");
    assert!(
        !root.join("out4/a").exists(),
        "no folder for outputs never written"
    );
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("would also be the output of in/a/x."),
        "{stderr}"
    );

    // Outside the tree: no place for it under --out.
    let run = batch_in(
        root,
        &[
            "--keep-tree",
            "--relative-to",
            "in/a",
            "--json",
            "--out",
            "out5",
            "in/b/z.png",
        ],
    );
    assert_eq!(code(&run), 1);
    assert_eq!(
        by_name(&json_lines(&run))["z.png"]["error"]["kind"],
        "outside_tree"
    );
    assert!(
        text(&run.stderr).contains("is not inside"),
        "{}",
        text(&run.stderr)
    );

    let usage = batch_in(root, &["--relative-to", "in", "--out", "out6", "in"]);
    assert_eq!(code(&usage), 2, "--relative-to needs --keep-tree");
}

#[test]
fn files_from_reads_lists_by_line_or_nul_from_a_file_or_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    card_at(&root.join("in/with space.png"));
    gray16(&root.join("in/two\nlines.png"), 8, 8);
    gray16(&root.join("in/plain.png"), 8, 8);

    std::fs::write(root.join("list.txt"), "in/with space.png\n\nin/plain.png\n").unwrap();
    let run = batch_in(root, &["--files-from", "list.txt", "--out", "out1"]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    let names: Vec<String> = tree(&root.join("out1")).into_keys().collect();
    assert_eq!(names, ["plain.png", "with space.png"]);

    // NUL-separated on stdin, as find -print0 writes it, beside an input on the command line.
    let list = b"in/two\nlines.png\0in/with space.png\0";
    let run = batch_with_stdin(
        root,
        &["--files-from", "-", "-0", "--out", "out2", "in/plain.png"],
        list,
    );
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    let names: Vec<String> = tree(&root.join("out2")).into_keys().collect();
    assert_eq!(names, ["plain.png", "two\nlines.png", "with space.png"]);

    // A list naming a missing file: that file fails, like one on the command line.
    std::fs::write(root.join("list2.txt"), "in/plain.png\nin/gone.png\n").unwrap();
    let run = batch_in(root, &["--files-from", "list2.txt", "--out", "out3"]);
    assert_eq!(code(&run), 1);
    assert!(
        text(&run.stderr).contains("error: in/gone.png: "),
        "{}",
        text(&run.stderr)
    );

    let missing_list = batch_in(root, &["--files-from", "nowhere.txt", "--out", "out4"]);
    assert_eq!(code(&missing_list), 2);
    assert!(text(&missing_list.stderr).contains("cannot read the file list nowhere.txt"));
    let nul_alone = batch_in(root, &["-0", "--out", "out4", "in"]);
    assert_eq!(code(&nul_alone), 2, "-0 needs --files-from");
    assert!(!root.join("out4").exists());
}

#[test]
fn format_and_quality_choose_the_encoder_and_the_extension() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    card_at(&root.join("card.png")); // RGBA 8-bit
    // 16-bit gray with alpha.
    image::ImageBuffer::<image::LumaA<u16>, _>::from_fn(30, 20, |x, y| {
        image::LumaA([(x * 2000) as u16, (y * 3000) as u16])
    })
    .save(root.join("ga16.png"))
    .unwrap();
    let card = image::open(test_card()).unwrap();

    // JPEG: alpha dropped, 8-bit RGB; quality changes the size.
    let mut sizes = Vec::new();
    for quality in ["20", "95"] {
        let out = format!("jpeg{quality}");
        let run = batch_in(
            root,
            &[
                "--format",
                "jpeg",
                "--quality",
                quality,
                "--out",
                &out,
                "card.png",
            ],
        );
        assert_eq!(code(&run), 0, "{}", text(&run.stderr));
        let path = root.join(&out).join("card.jpg");
        let decoded = image::open(&path).unwrap();
        assert_eq!(decoded.color(), image::ColorType::Rgb8);
        assert_eq!((decoded.width(), decoded.height()), (1280, 720));
        sizes.push(std::fs::metadata(&path).unwrap().len());
    }
    assert!(
        sizes[0] < sizes[1],
        "quality 20: {} bytes, 95: {} bytes",
        sizes[0],
        sizes[1]
    );

    // WebP is lossless: the same pixels, alpha kept.
    let run = batch_in(root, &["--format", "webp", "--out", "webp", "card.png"]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    let webp = image::open(root.join("webp/card.webp")).unwrap();
    assert_eq!(webp.to_rgba8(), card.to_rgba8());

    // TIFF keeps 16 bits; gray with alpha becomes RGBA.
    let run = batch_in(root, &["--format", "tif", "--out", "tiff", "ga16.png"]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    let tiff = image::open(root.join("tiff/ga16.tiff")).unwrap();
    assert_eq!(tiff.color(), image::ColorType::Rgba16);
    assert_eq!(tiff.to_rgba16().get_pixel(3, 1).0, [6000, 6000, 6000, 3000]);

    // Binary PPM and PGM, as --in-place reads them; colour as PGM fails, gray works.
    let run = batch_in(root, &["--format", "ppm", "--out", "pnm", "card.png"]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    let ppm = std::fs::read(root.join("pnm/card.ppm")).unwrap();
    assert!(ppm.starts_with(b"P6\n1280 720\n255\n"));
    assert_eq!(ppm.len(), 16 + 1280 * 720 * 3);
    let run = batch_in(
        root,
        &[
            "--format", "pgm", "--json", "--out", "pnm", "card.png", "ga16.png",
        ],
    );
    assert_eq!(code(&run), 1);
    let files = by_name(&json_lines(&run));
    assert_eq!(files["card.png"]["error"]["kind"], "unsupported");
    assert!(
        files["card.png"]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gray images only")
    );
    let pgm = std::fs::read(root.join("pnm/ga16.pgm")).unwrap();
    assert!(pgm.starts_with(b"P5\n30 20\n65535\n"));
    let run = batch_in(root, &["--in-place", "--op", "invert", "pnm/ga16.pgm"]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));

    // Settings of another format, and formats not offered, are usage errors.
    for args in [
        vec!["--quality", "80"],
        vec!["--format", "webp", "--quality", "80"],
        vec!["--format", "jpeg", "--quality", "0"],
        vec!["--format", "jpeg", "--compression", "high"],
        vec!["--format", "gif"],
        vec!["--format", "jpeg", "--in-place"],
    ] {
        let mut all = args.clone();
        all.extend(["--out", "usage", "card.png"]);
        if args.contains(&"--in-place") {
            all.retain(|a| *a != "--out" && *a != "usage");
        }
        let run = batch_in(root, &all);
        assert_eq!(code(&run), 2, "{args:?}: {}", text(&run.stderr));
    }
    assert!(!root.join("usage").exists());
}

#[test]
fn quiet_leaves_only_errors_and_version_answers_on_the_subcommand() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    card_at(&root.join("in/card.png"));
    std::fs::write(root.join("in/broken.png"), b"\x89PNG\r\n\x1a\n nope").unwrap();
    std::fs::write(root.join("in/notes.txt"), "hello").unwrap();

    let run = batch_in(root, &["--quiet", "--out", "out", "in"]);
    assert_eq!(code(&run), 1);
    assert!(run.stdout.is_empty(), "{}", text(&run.stdout));
    let stderr = text(&run.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: in/broken.png: "), "{stderr}");

    // --json --quiet: JSON on stdout, errors on stderr, no notes.
    let run = batch_in(
        root,
        &["--quiet", "--json", "--skip-existing", "--out", "out", "in"],
    );
    assert_eq!(code(&run), 1);
    assert_eq!(json_lines(&run).len(), 4);
    assert_eq!(text(&run.stderr).lines().count(), 1);

    for args in [["--version"].as_slice(), &["batch", "--version"]] {
        let version = imgdemo().args(args).output().unwrap();
        assert_eq!(code(&version), 0, "{args:?}");
        let printed = text(&version.stdout);
        assert!(
            printed.starts_with("imgdemo") && printed.trim_end().ends_with(" 0.1.0"),
            "{args:?}: {printed}"
        );
    }
}

#[test]
fn in_place_reports_in_json_and_refuses_options_that_write_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut ppm = b"P6\n2 1\n255\n".to_vec();
    ppm.extend([0, 10, 20, 30, 40, 50]);
    std::fs::write(root.join("a.ppm"), &ppm).unwrap();
    let run = batch_in(root, &["--in-place", "--json", "--op", "invert", "a.ppm"]);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    let lines = json_lines(&run);
    assert_eq!(lines[0]["status"], "written");
    assert_eq!(lines[0]["output"], "a.ppm");
    assert_eq!(lines[0]["sample_type"], "u8");
    assert_eq!(
        std::fs::read(root.join("a.ppm")).unwrap()[11..],
        [255, 245, 235, 225, 215, 205]
    );
    for option in ["--keep-tree", "--skip-existing", "--out=x"] {
        let run = batch_in(root, &["--in-place", option, "a.ppm"]);
        assert_eq!(code(&run), 2, "{option}: {}", text(&run.stderr));
    }
    // A non-PNM file in place: a clear failure of its own kind.
    card_at(&root.join("card.png"));
    let run = batch_in(
        root,
        &["--in-place", "--json", "--op", "invert", "card.png"],
    );
    assert_eq!(code(&run), 1);
    assert_eq!(json_lines(&run)[0]["error"]["kind"], "unsupported");
}

#[test]
fn exif_orientation_is_applied_as_photo_viewers_do_unless_ignored() {
    use viewlib::io::{Limits, load_with_orientation};
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let set = viewlib_e2e::conformance::write_set(&inputs);
    let names: Vec<&Path> = set.oriented.iter().map(|(p, _)| p.as_path()).collect();
    let stored = |path: &Path| match load_with_orientation(path, Limits::default()).unwrap() {
        (viewlib::DynImageBuf::U8(b), orientation) => (b, orientation),
        _ => panic!("{}: not 8-bit", path.display()),
    };
    let output = |out: &str, input: &Path| {
        let stem = input.file_stem().unwrap().to_str().unwrap();
        match viewlib::io::load(dir.path().join(out).join(format!("{stem}.png"))).unwrap() {
            viewlib::DynImageBuf::U8(b) => b,
            _ => panic!("{stem}: not 8-bit"),
        }
    };
    // `--stream-above 0` asks for rows in stored order: PNGs that must turn are read whole.
    for (out, extra) in [("upright", None), ("streamed", Some("--stream-above=0"))] {
        let mut args = vec!["--out", out, "--json", "--quiet", "--op", "crop=1,2,5,3"];
        args.extend(extra);
        args.extend(names.iter().map(|p| p.to_str().unwrap()));
        let run = batch_in(dir.path(), &args);
        assert_eq!(code(&run), 0, "{}", text(&run.stderr));
        let lines = by_name(&json_lines(&run));
        for &input in &names {
            let (stored, orientation) = stored(input);
            let expected = stored
                .view()
                .oriented(orientation)
                .crop(1, 2, 5, 3)
                .unwrap()
                .to_image_buf()
                .unwrap();
            let got = output(out, input);
            let name = input.file_name().unwrap().to_str().unwrap();
            assert_eq!(got.shape(), expected.shape(), "{out}/{name}");
            assert_eq!(got.as_slice(), expected.as_slice(), "{out}/{name}");
            let line = &lines[name];
            assert_eq!(line["orientation"], orientation.to_exif(), "{name}");
            assert_eq!((&line["width"], &line["height"]), (&13.into(), &7.into()));
            assert_eq!(
                (&line["output_width"], &line["output_height"]),
                (&5.into(), &3.into())
            );
        }
    }
    // Ignored: the pixels as stored, whatever the EXIF data says.
    let mut args = vec!["--out", "stored", "--ignore-orientation", "--quiet"];
    args.extend(names.iter().map(|p| p.to_str().unwrap()));
    let run = batch_in(dir.path(), &args);
    assert_eq!(code(&run), 0, "{}", text(&run.stderr));
    for &input in &names {
        assert_eq!(
            output("stored", input).as_slice(),
            stored(input).0.as_slice()
        );
    }
}

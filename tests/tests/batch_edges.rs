//! `imgdemo batch` at the edges, as a hostile user or an unlucky system would meet it: tiny
//! files declaring huge images in every format, files truncated while read, FIFOs and devices,
//! the output folder given as input, unwritable files, control characters in names, and
//! temporary files left by killed runs. Each case runs the real binary; memory is the
//! process's own peak (`VmHWM`, printed in the summary).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use viewlib_e2e::{imgdemo, peak_mib, text};

fn batch(args: &[&str], inputs: &[&Path]) -> Output {
    let mut command = imgdemo();
    command.arg("batch").args(args).args(inputs);
    run_with_deadline(command, Duration::from_secs(120))
}

/// Runs `command`, killing it (and failing) if it outlives `deadline`: a hang is a failure,
/// not a stuck test run.
fn run_with_deadline(mut command: Command, deadline: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {deadline:?}: {}\n{}",
                text(&out.stdout),
                text(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Exit code, failing if the process died of a signal (SIGBUS, SIGABRT, SIGKILL by the OOM
/// killer).
fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or_else(|| {
        panic!(
            "killed by a signal: {:?}\n{}",
            out.status,
            text(&out.stderr)
        )
    })
}

/// A PNG whose header declares `width x height` at `bit_depth`/`color`, with a short all-zero
/// image stream: a few hundred bytes.
fn png_header_only(width: u32, height: u32, bit_depth: u8, color: u8) -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |name: &[u8], data: &[u8]| {
        let mut body = name.to_vec();
        body.extend_from_slice(data);
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(&body);
        png.extend_from_slice(&crc32fast::hash(&body).to_be_bytes());
    };
    let mut ihdr = [width.to_be_bytes(), height.to_be_bytes()].concat();
    ihdr.extend_from_slice(&[bit_depth, color, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    // zlib: a stored block of 200 zero bytes, not final.
    let mut idat = vec![0x78, 0x01, 0x00, 200, 0, !200u8, 0xff];
    idat.extend(std::iter::repeat_n(0u8, 200));
    chunk(b"IDAT", &idat);
    chunk(b"IEND", &[]);
    png
}

/// A progressive (SOF2) JPEG header declaring `width x height` with `components` components
/// at 1x1 sampling, and a first scan: a few hundred bytes.
fn progressive_jpeg(width: u16, height: u16, components: u8) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    // DQT: one table of ones.
    j.extend_from_slice(&[0xFF, 0xDB, 0, 67, 0]);
    j.extend(std::iter::repeat_n(1u8, 64));
    // SOF2.
    let len = 8 + 3 * u16::from(components);
    j.extend_from_slice(&[0xFF, 0xC2]);
    j.extend_from_slice(&len.to_be_bytes());
    j.push(8);
    j.extend_from_slice(&height.to_be_bytes());
    j.extend_from_slice(&width.to_be_bytes());
    j.push(components);
    for c in 0..components {
        j.extend_from_slice(&[c + 1, 0x11, 0]);
    }
    // DHT: a DC table with one code of length 1 for category 0.
    j.extend_from_slice(&[0xFF, 0xC4, 0, 20, 0x00, 1]);
    j.extend(std::iter::repeat_n(0u8, 15));
    j.push(0);
    // SOS: DC first scan over every component.
    let len = 6 + 2 * u16::from(components);
    j.extend_from_slice(&[0xFF, 0xDA]);
    j.extend_from_slice(&len.to_be_bytes());
    j.push(components);
    for c in 0..components {
        j.extend_from_slice(&[c + 1, 0x00]);
    }
    j.extend_from_slice(&[0, 0, 0]);
    j.extend(std::iter::repeat_n(0u8, 64));
    j.extend_from_slice(&[0xFF, 0xD9]);
    j
}

/// A little-endian TIFF whose one IFD entry declares `count` LONG values far past the end of
/// a 512-byte file (the tiff crate once allocated them all before any limit).
fn tiff_tag_bomb(count: u32) -> Vec<u8> {
    let mut t = b"II*\0".to_vec();
    t.extend_from_slice(&8u32.to_le_bytes());
    let entries: [(u16, u16, u32, u32); 4] = [
        (256, 4, 1, 64),      // ImageWidth
        (257, 4, 1, 64),      // ImageLength
        (273, 4, count, 200), // StripOffsets: `count` values at byte 200
        (279, 4, 1, 64 * 64), // StripByteCounts
    ];
    t.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, n, value) in entries {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&kind.to_le_bytes());
        t.extend_from_slice(&n.to_le_bytes());
        t.extend_from_slice(&value.to_le_bytes());
    }
    t.extend_from_slice(&0u32.to_le_bytes());
    t.resize(512, 0);
    t
}

/// A GIF with a 1x1 screen whose first frame declares `w x h` pixels.
fn gif_large_frame(w: u16, h: u16) -> Vec<u8> {
    let mut g = b"GIF89a".to_vec();
    g.extend_from_slice(&1u16.to_le_bytes());
    g.extend_from_slice(&1u16.to_le_bytes());
    g.extend_from_slice(&[0x80, 0, 0]); // global colour table of 2 entries
    g.extend_from_slice(&[0, 0, 0, 255, 255, 255]);
    g.push(0x2C);
    g.extend_from_slice(&[0, 0, 0, 0]);
    g.extend_from_slice(&w.to_le_bytes());
    g.extend_from_slice(&h.to_le_bytes());
    g.push(0);
    g.extend_from_slice(&[2, 2, 0x4C, 0x01, 0]); // a clear code, end
    g.push(0x3B);
    g
}

/// A WebP whose VP8X canvas is 1x1 and whose VP8 frame header declares 16383 x 16383.
fn webp_large_frame() -> Vec<u8> {
    let mut vp8 = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a];
    vp8.extend_from_slice(&16383u16.to_le_bytes());
    vp8.extend_from_slice(&16383u16.to_le_bytes());
    vp8.extend(std::iter::repeat_n(0u8, 64));
    let mut vp8x = vec![0u8; 10];
    vp8x[4..7].copy_from_slice(&[0, 0, 0]); // canvas width - 1
    vp8x[7..10].copy_from_slice(&[0, 0, 0]); // canvas height - 1
    let mut body = b"WEBP".to_vec();
    for (name, data) in [(b"VP8X", &vp8x), (b"VP8 ", &vp8)] {
        body.extend_from_slice(name);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
    }
    let mut riff = b"RIFF".to_vec();
    riff.extend_from_slice(&(body.len() as u32).to_le_bytes());
    riff.extend_from_slice(&body);
    riff
}

/// Real images of every format `image` writes, of about `bytes` decoded, all zero (so the
/// files stay small where the format compresses).
fn large_images(dir: &Path, bytes: usize) -> Vec<PathBuf> {
    use image::{DynamicImage, ImageBuffer};
    let side = |bpp: usize| ((bytes / bpp) as f64).sqrt() as u32;
    let rgba8 = |s: u32| DynamicImage::ImageRgba8(ImageBuffer::new(s, s));
    let rgb8 = |s: u32| DynamicImage::ImageRgb8(ImageBuffer::new(s, s));
    let mut paths = Vec::new();
    let mut save = |name: &str, image: DynamicImage| {
        let path = dir.join(name);
        image.save(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        paths.push(path);
    };
    save("big.png", rgba8(side(4)));
    save("big.jpg", rgb8(side(3)));
    save("big.gif", rgba8(side(4)));
    save("big.bmp", rgb8(side(3)));
    save("big.tiff", rgb8(side(3)));
    save("big.webp", rgba8(side(4)));
    save("big.ppm", rgb8(side(3)));
    save("big.tga", rgba8(side(4)));
    save("big.qoi", rgba8(side(4)));
    save(
        "big.ff",
        DynamicImage::ImageRgba16(ImageBuffer::new(side(8), side(8))),
    );
    save(
        "big.hdr",
        DynamicImage::ImageRgb32F(ImageBuffer::new(side(12), side(12))),
    );
    save(
        "big.exr",
        DynamicImage::ImageRgba32F(ImageBuffer::new(side(16), side(16))),
    );
    paths
}

/// The batch's own resident memory with nothing large to do.
fn base_mib(dir: &Path) -> f64 {
    let tiny = dir.join("tiny.png");
    std::fs::write(&tiny, png_header_only(1, 1, 8, 0)).unwrap();
    let out = batch(&["--jobs", "1", "--out"], &[&dir.join("base-out"), &tiny]);
    peak_mib(&text(&out.stdout))
}

#[test]
fn memory_stays_within_jobs_times_the_limit_for_any_input() {
    let dir = tempfile::tempdir().unwrap();
    let crafted = dir.path().join("crafted");
    std::fs::create_dir(&crafted).unwrap();
    let write = |name: &str, bytes: Vec<u8>| {
        let path = crafted.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    // The reported cases: 243 bytes declaring 1,000,000,000 x 2 and 400,000,000 x 2 1-bit
    // gray; 386 bytes of progressive JPEG declaring 16000 x 16000 (3 and 4 components).
    write("wide1e9.png", png_header_only(1_000_000_000, 2, 1, 0));
    write("wide4e8.png", png_header_only(400_000_000, 2, 1, 0));
    write("wide-rgba16.png", png_header_only(2_000_000, 2, 16, 6));
    write("progressive3.jpg", progressive_jpeg(16000, 16000, 3));
    write("progressive4.jpg", progressive_jpeg(16000, 16000, 4));
    write("progressive-small.jpg", progressive_jpeg(3000, 2000, 3));
    write("tagbomb.tiff", tiff_tag_bomb(2_000_000));
    write("bigframe.gif", gif_large_frame(60000, 60000));
    write("bigframe.webp", webp_large_frame());
    let limit_mib = 64;
    let real = dir.path().join("real");
    std::fs::create_dir(&real).unwrap();
    // Just under and well over the per-image limit.
    large_images(&real, 40 << 20);
    let over = real.join("over");
    std::fs::create_dir(&over).unwrap();
    large_images(&over, 100 << 20);
    let base = base_mib(dir.path());
    for jobs in [1, 2] {
        for input in [&crafted, &real] {
            let out_dir = dir.path().join(format!("out-{jobs}"));
            let limit = limit_mib.to_string();
            let jobs_arg = jobs.to_string();
            let out = batch(
                &[
                    "--jobs",
                    &jobs_arg,
                    "--max-memory",
                    &limit,
                    "--overwrite",
                    "--op",
                    "invert",
                    "--out",
                ],
                &[&out_dir, input],
            );
            let code = code(&out);
            let stdout = text(&out.stdout);
            let peak = peak_mib(&stdout);
            let bound = base + f64::from(jobs * limit_mib) + 16.0;
            eprintln!(
                "{} with --jobs {jobs}: exit {code}, peak {peak:.1} MiB (bound {bound:.1})\n{}",
                input.display(),
                text(&out.stderr)
            );
            assert!(
                peak <= bound,
                "peak {peak} MiB over {bound} MiB\n{stdout}\n{}",
                text(&out.stderr)
            );
            assert!(code == 0 || code == 1, "{}", text(&out.stderr));
        }
    }
    // Every crafted file fails with a reason, each on one line, at the default limits too.
    let out = batch(
        &["--jobs", "1", "--out"],
        &[&dir.path().join("out-default"), &crafted],
    );
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1);
    // All but the 3000 x 2000 progressive JPEG, which fits (its data is all zero).
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("error: ")).count(),
        8,
        "{stderr}"
    );
    for name in [
        "wide1e9.png",
        "wide4e8.png",
        "progressive3.jpg",
        "progressive4.jpg",
        "tagbomb.tiff",
        "bigframe.gif",
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(name) && (l.contains("limit") || l.contains("bounded memory"))),
            "{name}: {stderr}"
        );
    }
}

/// A PPM of `side x side` RGB with a gradient.
fn make_ppm(path: &Path, side: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(file, "P6\n{side} {side}\n255\n").unwrap();
    let row: Vec<u8> = (0..side * 3).map(|i| (i % 251) as u8).collect();
    for _ in 0..side {
        file.write_all(&row).unwrap();
    }
}

#[test]
fn a_file_truncated_while_read_fails_alone_without_a_signal() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.ppm");
    make_ppm(&good, 64);
    for in_place in [false, true] {
        let victim = dir.path().join("victim.ppm");
        make_ppm(&victim, 6000); // 108 MB: read a band at a time
        let out_dir = dir.path().join(format!("out-{in_place}"));
        let mut command = imgdemo();
        command
            .arg("batch")
            .args(["--jobs", "1", "--stream-above", "1", "--op", "invert"]);
        if in_place {
            command.arg("--in-place");
        } else {
            command.arg("--out").arg(&out_dir);
        }
        command.arg(&victim).arg(&good);
        let child =
            std::thread::spawn(move || run_with_deadline(command, Duration::from_secs(120)));
        // Another program, ignoring the advisory lock, cuts the file while it is read.
        std::thread::sleep(Duration::from_millis(60));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&victim)
            .unwrap()
            .set_len(20_000)
            .unwrap();
        let out = child.join().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 1, "in place {in_place}: {stderr}");
        let victim_errors: Vec<_> = stderr
            .lines()
            .filter(|l| l.contains("victim.ppm"))
            .collect();
        assert_eq!(victim_errors.len(), 1, "{stderr}");
        assert!(
            victim_errors[0].contains("truncated") || victim_errors[0].contains("too short"),
            "{stderr}"
        );
        if !in_place {
            assert!(out_dir.join("good.png").is_file());
            let left: Vec<_> = std::fs::read_dir(&out_dir)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(left, ["good.png"], "no temporary file left behind");
        }
    }
}

#[cfg(unix)]
#[test]
fn special_files_named_as_inputs_are_refused_without_hanging() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.png");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let good = dir.path().join("good.ppm");
    make_ppm(&good, 16);
    let out_dir = dir.path().join("out");
    for args in [vec!["--out", out_dir.to_str().unwrap()], vec!["--in-place"]] {
        let mut command = imgdemo();
        command
            .arg("batch")
            .args(&args)
            .arg(&fifo)
            .arg("/dev/zero")
            .arg(&good);
        let out = run_with_deadline(command, Duration::from_secs(30));
        let stderr = text(&out.stderr);
        assert_eq!(code(&out), 1, "{stderr}");
        assert!(
            stderr.contains("pipe.png: not a regular file but a FIFO (named pipe)"),
            "{stderr}"
        );
        assert!(
            stderr.contains("/dev/zero: not a regular file but a character device"),
            "{stderr}"
        );
        assert!(
            text(&out.stdout).contains("1 written"),
            "{}",
            text(&out.stdout)
        );
    }
}

#[test]
fn nothing_to_process_is_an_error_that_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    make_ppm(&out_dir.join("earlier.ppm"), 8);
    // The output folder as the input.
    let out = batch(&["--out"], &[&out_dir, &out_dir]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(stderr.contains("is the output folder"), "{stderr}");
    // A folder with no image in it.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("notes.txt"), "hello").unwrap();
    let out = batch(&["--out"], &[&out_dir, &empty]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(stderr.contains("no image to process"), "{stderr}");
}

#[cfg(unix)]
#[test]
fn in_place_on_a_read_only_file_names_the_open_for_writing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let file = dir.path().join("locked.ppm");
    make_ppm(&file, 8);
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&file).unwrap();
    let mut command = if is_root() {
        // Root may write anything: run as nobody, who may only read it.
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        c.arg(imgdemo().get_program());
        c
    } else {
        imgdemo()
    };
    command
        .args(["batch", "--in-place", "--op", "invert"])
        .arg(&file);
    let out = run_with_deadline(command, Duration::from_secs(30));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1, "{stderr}");
    assert!(
        stderr.contains("locked.ppm: cannot open for writing: Permission denied"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&file).unwrap(), before);
}

#[cfg(unix)]
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

#[test]
fn a_control_character_in_a_name_keeps_each_failure_on_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("two\nlines\u{1b}[31m.png");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\n broken").unwrap();
    let out_dir = dir.path().join("out");
    let out = batch(&["--out"], &[&out_dir, &bad]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 1);
    let errors: Vec<_> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(errors.len(), 1, "{stderr:?}");
    assert!(
        errors[0].contains("two\\nlines\\u{1b}[31m.png"),
        "{stderr:?}"
    );
    assert!(!stderr.contains('\u{1b}'));
}

#[test]
fn temporary_files_of_killed_runs_are_removed_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let old = std::time::SystemTime::now() - Duration::from_secs(3600);
    let stale = out_dir.join(".photo.png.Ab3dE9.part");
    std::fs::write(&stale, vec![0u8; 4096]).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let young = out_dir.join(".other.png.Zz9yX8.part");
    std::fs::write(&young, b"being written?").unwrap();
    let mine = out_dir.join("notes.part");
    std::fs::write(&mine, b"not ours").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&mine)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let input = dir.path().join("in.ppm");
    make_ppm(&input, 8);
    let out = batch(&["--out"], &[&out_dir, &input]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 0, "{stderr}");
    assert!(
        stderr.contains("note: removed") && stderr.contains(".photo.png.Ab3dE9.part"),
        "{stderr}"
    );
    assert!(!stale.exists());
    assert!(young.exists() && mine.exists());
    let mut names = entries(&out_dir);
    names.sort();
    assert_eq!(names, [".other.png.Zz9yX8.part", "in.png", "notes.part"]);

    // A real run killed mid-write (SIGKILL: no cleanup) leaves its temporary file; the next
    // run proves it abandoned (its lock died with the process) and removes it.
    let big = dir.path().join("big.ppm");
    make_ppm(&big, 3000);
    let mut child = imgdemo()
        .args(["batch", "--compression", "high", "--out"])
        .arg(&out_dir)
        .arg(&big)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let part = loop {
        if let Some(name) = entries(&out_dir)
            .into_iter()
            .find(|n| n.starts_with(".big.png."))
        {
            break out_dir.join(name);
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(part.exists(), "SIGKILL leaves the temporary file");
    // Still young: kept, in case it is a live writer's that has not locked it yet.
    let out = batch(&["--out"], &[&out_dir, &input]);
    assert!(part.exists(), "{}", text(&out.stderr));
    std::fs::File::options()
        .write(true)
        .open(&part)
        .unwrap()
        .set_modified(old)
        .unwrap();
    let out = batch(&["--out"], &[&out_dir, &input]);
    assert!(!part.exists(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(".big.png."),
        "{}",
        text(&out.stderr)
    );
}

fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect()
}

//! The real window, opened by the real binary. These need a display, so `cargo test` skips
//! them; `.ci/run` runs them under Xvfb with Mesa's software renderer:
//! `xvfb-run -a cargo test -p imgdemo --test window -- --ignored`.

use std::path::Path;
use std::process::{Command, Output};
use viewlib::DynImageBuf;

fn imgdemo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imgdemo"))
        .args(args)
        .output()
        .expect("imgdemo runs")
}

/// The screenshot, as RGBA8, after checking it has the window's size.
fn load_window(path: &Path) -> viewlib::ImageBuf<u8> {
    load_window_of(path, imgdemo::gui::WINDOW_SIZE)
}

/// The screenshot, as RGBA8, after checking it is `[w, h]` (points at a scale of 1).
fn load_window_of(path: &Path, [w, h]: [f32; 2]) -> viewlib::ImageBuf<u8> {
    let DynImageBuf::U8(shot) = viewlib::io::load(path).expect("a PNG screenshot") else {
        panic!("an 8-bit screenshot")
    };
    assert_eq!(
        shot.shape(),
        [h as usize, w as usize, 4],
        "the window's size"
    );
    shot
}

fn distinct_colours(shot: &viewlib::ImageBuf<u8>) -> usize {
    let mut colours: Vec<&[u8]> = shot.as_slice().chunks(4).collect();
    colours.sort_unstable();
    colours.dedup();
    colours.len()
}

#[test]
#[ignore = "needs a display: .ci/run runs it under Xvfb"]
fn screenshot_shows_the_window_with_the_pipeline_applied() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("window.png");
    let run = imgdemo(&[
        "--screenshot",
        out.to_str().unwrap(),
        "--op",
        "crop=100,100,600,400",
        "--op",
        "invert",
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "exit {:?}: {stderr}", run.status);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.starts_with("saved "), "{stdout}");
    let shot = load_window(&out);
    // Not blank: the test card's colours, panels, and text.
    assert!(
        distinct_colours(&shot) > 500,
        "{} colours",
        distinct_colours(&shot)
    );
    // The test card's colour bars are saturated; a window of only UI grays would not be.
    let saturated = shot
        .as_slice()
        .chunks(4)
        .filter(|p| p.iter().take(3).max().unwrap() - p.iter().take(3).min().unwrap() > 200)
        .count();
    assert!(saturated > 10_000, "{saturated} saturated pixels");
}

#[test]
#[ignore = "needs a display: .ci/run runs it under Xvfb"]
fn a_corrupt_image_is_shown_as_an_error_and_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let corrupt = dir.path().join("broken.png");
    std::fs::write(&corrupt, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    let out = dir.path().join("window.png");
    let run = imgdemo(&[
        "--screenshot",
        out.to_str().unwrap(),
        corrupt.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("broken.png"), "{stderr}");
    assert!(stderr.contains("screenshot saved"), "{stderr}");
    let _shot = load_window(&out); // checks the size; the pixels are not needed here
}

#[test]
#[ignore = "needs a display: .ci/run runs it under Xvfb"]
fn the_window_opens_at_the_size_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("window.png");
    let run = imgdemo(&[
        "--window-size",
        "1024x700",
        "--screenshot",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "exit {:?}: {stderr}", run.status);
    let _shot = load_window_of(&out, [1024.0, 700.0]);
}

#[test]
#[ignore = "needs a display: .ci/run runs it under Xvfb"]
fn latency_is_measured_in_the_real_window() {
    let run = imgdemo(&["--measure-latency", "6", "--op", "invert"]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "exit {:?}: {stderr}", run.status);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.starts_with("change -> frame on a 1280x720x4 image, 6 changes: median "),
        "{stdout}"
    );
}

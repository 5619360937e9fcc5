//! The `imgdemo` binary's command line, as a user meets it. (Having integration tests here also
//! makes `cargo test --workspace` build the binary that `tests/tests/batch_cli.rs` drives over
//! the corpus.)

use std::process::Command;

fn imgdemo() -> Command {
    Command::new(env!("CARGO_BIN_EXE_imgdemo"))
}

#[test]
fn version_and_help_answer_and_usage_errors_exit_2() {
    let version = imgdemo().arg("--version").output().unwrap();
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("imgdemo {}", env!("CARGO_PKG_VERSION"))
    );
    let help = imgdemo().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("batch"));
    let unknown = imgdemo().arg("--frobnicate").output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    // A malformed operation for the app is a usage error before any window opens.
    let bad_op = imgdemo().args(["--op", "blur"]).output().unwrap();
    assert_eq!(bad_op.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_op.stderr).contains("`blur`: unknown operation"));
    for (size, says) in [
        ("640x480", "the window is at least 800x500"),
        ("1024", "expected WIDTHxHEIGHT"),
        ("1024xabc", "`abc`"),
    ] {
        let bad_size = imgdemo().args(["--window-size", size]).output().unwrap();
        assert_eq!(bad_size.status.code(), Some(2), "{size}");
        let stderr = String::from_utf8_lossy(&bad_size.stderr);
        assert!(stderr.contains(says), "{size}: {stderr}");
    }
}

#[test]
fn without_a_display_the_app_says_so_and_points_to_batch() {
    let run = imgdemo()
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("error: cannot open a window"), "{stderr}");
    assert!(
        stderr.contains("`imgdemo batch` works without one"),
        "{stderr}"
    );
}

#[test]
fn batch_processes_the_bundled_test_card() {
    let dir = tempfile::tempdir().unwrap();
    let card = concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/testcard.png");
    let run = imgdemo()
        .args([
            "batch",
            "--op",
            "crop=0,0,160,200",
            "--op",
            "channel=R",
            "--out",
        ])
        .arg(dir.path())
        .arg(card)
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        stdout.starts_with("1 written, 0 failed, 0 skipped in "),
        "{stdout}"
    );
    // The white bar's red channel, as a one-channel image.
    let out = image::open(dir.path().join("testcard.png")).unwrap();
    assert_eq!(out.color(), image::ColorType::L8);
    assert_eq!((out.width(), out.height()), (160, 200));
    assert!(out.into_luma8().pixels().all(|p| p.0 == [255]));
}

//! The Python module's test suite, run by the workspace's test command: `cargo test` runs
//! `viewlib/python/run-tests.sh`, which makes (or reuses) a venv with maturin, NumPy, pytest,
//! Pillow and Dask distributed from the package registry, builds the module into it with maturin, and runs
//! pytest on `viewlib/python/tests`. This test fails when pytest fails.
//!
//! Without a Python 3.11+ that can make a venv (`python3 -m venv`; Debian's `python3-venv`),
//! it prints `SKIPPED` and passes, unless `VIEWLIB_REQUIRE_PYTHON=1` (CI sets it), which makes
//! it fail instead. `$PYTHON` names another interpreter.

use std::io::Write;
use std::path::Path;
use std::process::Command;

#[test]
fn pytest_suite() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = Command::new(&python)
        .args([
            "-c",
            "import sys, venv, ensurepip; assert sys.version_info >= (3, 11), sys.version",
        ])
        .output();
    let usable = probe.as_ref().is_ok_and(|o| o.status.success());
    if !usable {
        let why = match &probe {
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_owned(),
            Err(e) => e.to_string(),
        };
        let missing = format!(
            "no Python 3.11+ with venv ({python}: {}); install python3 and python3-venv",
            why.lines().last().unwrap_or("failed")
        );
        if std::env::var_os("VIEWLIB_REQUIRE_PYTHON").is_some_and(|v| v == "1") {
            panic!("{missing}; VIEWLIB_REQUIRE_PYTHON=1 requires it");
        }
        let _ = writeln!(std::io::stderr(), "SKIPPED pytest_suite: {missing}");
        return;
    }
    let script = workspace.join("viewlib/python/run-tests.sh");
    let output = Command::new("bash")
        .arg(&script)
        .env("PYTHON", &python)
        .output()
        .expect("run viewlib/python/run-tests.sh");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        panic!(
            "{} failed ({}):\n{stdout}\n{stderr}",
            script.display(),
            output.status
        );
    }
    // pytest's closing line, past libtest's capture, so a passing run shows what it ran.
    let summary = stdout.lines().last().unwrap_or_default();
    let _ = writeln!(
        std::io::stderr(),
        "pytest (viewlib/python/tests): {summary}"
    );
}

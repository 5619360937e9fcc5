//! `--json`: one line per file, then one summary line, for scripts.
//!
//! Every line is one JSON object with a `type` (`file` or `summary`) and always the same
//! fields, `null` where a value does not apply, so a reader never has to test for a missing
//! key. Paths are strings; a name that is not UTF-8 is converted lossily (`�`).

use super::{ErrorKind, FileError, FileReport, FileStats, Outcome, Summary, peak_memory_bytes};
use serde::Serialize;
use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

/// What became of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Status {
    Written,
    Skipped,
    Failed,
}

/// Why a file was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum SkipReason {
    /// `--skip-existing` kept the output that was there.
    OutputExists,
    /// A file in a folder that is not an image.
    NotAnImage,
}

#[derive(Serialize)]
struct ErrorField<'a> {
    kind: ErrorKind,
    message: &'a str,
}

/// One `"type": "file"` line.
#[derive(Serialize)]
struct FileLine<'a> {
    #[serde(rename = "type")]
    line_type: &'static str,
    input: Cow<'a, str>,
    output: Option<Cow<'a, str>>,
    status: Status,
    skip_reason: Option<SkipReason>,
    error: Option<ErrorField<'a>>,
    width: Option<usize>,
    height: Option<usize>,
    channels: Option<usize>,
    sample_type: Option<&'static str>,
    orientation: Option<u8>,
    output_width: Option<usize>,
    output_height: Option<usize>,
    output_channels: Option<usize>,
    decode_ms: Option<f64>,
    ops_ms: Option<f64>,
    encode_ms: Option<f64>,
    sync_ms: Option<f64>,
}

impl<'a> FileLine<'a> {
    fn new(input: &'a Path, output: Option<&'a Path>, status: Status) -> FileLine<'a> {
        FileLine {
            line_type: "file",
            input: input.to_string_lossy(),
            output: output.map(Path::to_string_lossy),
            status,
            skip_reason: None,
            error: None,
            width: None,
            height: None,
            channels: None,
            sample_type: None,
            orientation: None,
            output_width: None,
            output_height: None,
            output_channels: None,
            decode_ms: None,
            ops_ms: None,
            encode_ms: None,
            sync_ms: None,
        }
    }

    fn failed(mut self, error: &'a FileError) -> FileLine<'a> {
        self.error = Some(ErrorField {
            kind: error.kind,
            message: &error.message,
        });
        self
    }

    fn with_stats(mut self, stats: &FileStats) -> FileLine<'a> {
        let [h, w, c] = stats.input_shape;
        let [out_h, out_w, out_c] = stats.output_shape;
        self.width = Some(w);
        self.height = Some(h);
        self.channels = Some(c);
        self.sample_type = Some(stats.sample_type);
        self.orientation = Some(stats.orientation);
        self.output_width = Some(out_w);
        self.output_height = Some(out_h);
        self.output_channels = Some(out_c);
        self.decode_ms = Some(millis(stats.decode));
        self.ops_ms = Some(millis(stats.ops));
        self.encode_ms = Some(millis(stats.encode));
        self.sync_ms = Some(millis(stats.sync));
        self
    }
}

/// Milliseconds to the microsecond: `12.345`.
fn millis(duration: Duration) -> f64 {
    duration.as_micros() as f64 / 1000.0
}

fn to_line(value: &impl Serialize) -> String {
    // Structs of strings, numbers and options: serde_json cannot fail on them.
    serde_json::to_string(value).expect("plain data serializes")
}

/// The line for a finished job.
///
/// ```
/// use imgdemo::batch::{json, FileReport, FileStats, Job, Outcome};
/// let job = Job { input: "in/a.png".into(), output: "out/a.png".into() };
/// let stats = FileStats { input_shape: [720, 1280, 4], sample_type: "u8", ..Default::default() };
/// let line = json::file_line(&FileReport { job: &job, outcome: Outcome::Written(stats) });
/// let value: serde_json::Value = serde_json::from_str(&line)?;
/// assert_eq!(value["type"], "file");
/// assert_eq!(value["status"], "written");
/// assert_eq!((value["width"].as_u64(), value["height"].as_u64()), (Some(1280), Some(720)));
/// assert_eq!(value["sample_type"], "u8");
/// assert!(value["error"].is_null());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn file_line(report: &FileReport<'_>) -> String {
    let job = report.job;
    let line = |status| FileLine::new(&job.input, Some(&job.output), status);
    to_line(&match &report.outcome {
        Outcome::Written(stats) => line(Status::Written).with_stats(stats),
        Outcome::Existed => FileLine {
            skip_reason: Some(SkipReason::OutputExists),
            ..line(Status::Skipped)
        },
        Outcome::Failed(error) => line(Status::Failed).failed(error),
    })
}

/// The line for a file skipped in a folder because it is not an image.
///
/// ```
/// let line = imgdemo::batch::json::not_an_image_line("in/notes.txt".as_ref());
/// assert!(line.contains(r#""status":"skipped","skip_reason":"not_an_image""#), "{line}");
/// ```
pub fn not_an_image_line(path: &Path) -> String {
    to_line(&FileLine {
        skip_reason: Some(SkipReason::NotAnImage),
        ..FileLine::new(path, None, Status::Skipped)
    })
}

/// The line for an input refused before any work (missing, not a regular file, ...).
///
/// ```
/// use imgdemo::batch::{json, ErrorKind, FileError};
/// let error = FileError::about(ErrorKind::NotFound, "gone.png".as_ref(), "No such file");
/// let line = json::refused_line("gone.png".as_ref(), &error);
/// assert!(line.contains(r#""error":{"kind":"not_found","message":"gone.png: No such file"}"#));
/// ```
pub fn refused_line(path: &Path, error: &FileError) -> String {
    to_line(&FileLine::new(path, None, Status::Failed).failed(error))
}

/// The closing `"type": "summary"` line.
#[derive(Serialize)]
struct SummaryLine {
    #[serde(rename = "type")]
    line_type: &'static str,
    written: usize,
    failed: usize,
    skipped: usize,
    skipped_existing: usize,
    skipped_not_image: usize,
    not_started: usize,
    exit_code: u8,
    elapsed_ms: f64,
    jobs: usize,
    megapixels: f64,
    decode_ms: f64,
    ops_ms: f64,
    encode_ms: f64,
    sync_ms: f64,
    peak_memory_bytes: Option<u64>,
}

/// The last line: the counts, the process's exit code, and where the time went (worker
/// times summed over the written files).
///
/// ```
/// let summary = imgdemo::batch::Summary { written: 2, existing: 1, ..Default::default() };
/// let line = imgdemo::batch::json::summary_line(&summary, 0);
/// let value: serde_json::Value = serde_json::from_str(&line)?;
/// assert_eq!(value["type"], "summary");
/// assert_eq!((value["written"].as_u64(), value["skipped"].as_u64()), (Some(2), Some(1)));
/// assert_eq!(value["exit_code"], 0);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn summary_line(summary: &Summary, exit_code: u8) -> String {
    to_line(&SummaryLine {
        line_type: "summary",
        written: summary.written,
        failed: summary.failed.len(),
        skipped: summary.skipped_total(),
        skipped_existing: summary.existing,
        skipped_not_image: summary.skipped,
        not_started: summary.not_started,
        exit_code,
        elapsed_ms: millis(summary.elapsed),
        jobs: summary.jobs,
        megapixels: summary.pixels as f64 / 1e6,
        decode_ms: millis(summary.decode),
        ops_ms: millis(summary.ops),
        encode_ms: millis(summary.encode),
        sync_ms: millis(summary.sync),
        peak_memory_bytes: peak_memory_bytes(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::Job;

    /// Every kind of line has the same keys, so scripts can index them blindly.
    #[test]
    fn every_file_line_has_the_same_keys_and_names_are_escaped() {
        let job = Job {
            input: "in/quote\"and\nnewline.png".into(),
            output: "out/x.png".into(),
        };
        let error = FileError::about(ErrorKind::Decode, &job.input, "cannot decode");
        let lines = [
            file_line(&FileReport {
                job: &job,
                outcome: Outcome::Written(FileStats::default()),
            }),
            file_line(&FileReport {
                job: &job,
                outcome: Outcome::Existed,
            }),
            file_line(&FileReport {
                job: &job,
                outcome: Outcome::Failed(error.clone()),
            }),
            not_an_image_line(&job.input),
            refused_line(&job.input, &error),
        ];
        let keys = |line: &str| -> Vec<String> {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            value.as_object().unwrap().keys().cloned().collect()
        };
        for line in &lines {
            assert!(!line.contains('\n'), "one line each: {line}");
            assert_eq!(keys(line), keys(&lines[0]), "{line}");
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(value["input"], "in/quote\"and\nnewline.png");
        }
        let failed: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
        assert_eq!(failed["status"], "failed");
        assert_eq!(failed["error"]["kind"], "decode");
        let existed: serde_json::Value = serde_json::from_str(&lines[1]).unwrap();
        assert_eq!(existed["skip_reason"], "output_exists");
        assert!(existed["width"].is_null());
    }

    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_converted_lossily() {
        use std::os::unix::ffi::OsStrExt;
        let path = Path::new(std::ffi::OsStr::from_bytes(b"in/caf\xe9.png"));
        let value: serde_json::Value = serde_json::from_str(&not_an_image_line(path)).unwrap();
        assert_eq!(value["input"], "in/caf\u{fffd}.png");
    }

    #[test]
    fn times_are_milliseconds_to_the_microsecond() {
        assert_eq!(millis(Duration::from_nanos(12_345_678)), 12.345);
    }
}

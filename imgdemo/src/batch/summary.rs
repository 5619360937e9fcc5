//! The end-of-run summary: counts, throughput, where the time went, peak memory.

use super::{FileError, Outcome};
use std::fmt;
use std::time::Duration;

/// Totals of a batch run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Outputs written.
    pub written: usize,
    /// Every failure (jobs and inputs refused by the plan).
    pub failed: Vec<FileError>,
    /// Jobs among `failed`.
    pub failed_jobs: usize,
    /// Non-image files skipped in folders.
    pub skipped: usize,
    /// Jobs whose output existed, kept by `--skip-existing`.
    pub existing: usize,
    /// Jobs never started because the run was stopped.
    pub not_started: usize,
    /// Worker threads.
    pub jobs: usize,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Pixels decoded by successful jobs.
    pub pixels: u64,
    /// Decode time summed over successful jobs.
    pub decode: Duration,
    /// Operation time summed over successful jobs.
    pub ops: Duration,
    /// Encode time summed over successful jobs.
    pub encode: Duration,
    /// Time the committer thread spent syncing and renaming outputs (off the workers).
    pub sync: Duration,
}

impl Summary {
    pub(super) fn record(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Written(stats) => {
                self.written += 1;
                self.pixels += stats.pixels;
                self.decode += stats.decode;
                self.ops += stats.ops;
                self.encode += stats.encode;
                self.sync += stats.sync;
            }
            Outcome::Existed => self.existing += 1,
            Outcome::Failed(error) => {
                self.failed.push(error);
                self.failed_jobs += 1;
            }
        }
    }

    /// Files skipped: non-images in folders and existing outputs kept.
    pub fn skipped_total(&self) -> usize {
        self.skipped + self.existing
    }

    /// The process exit code: 0 if every image was written or its output already existed
    /// (`--skip-existing`), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.failed.is_empty() || self.not_started > 0)
    }
}

impl fmt::Display for Summary {
    /// ```
    /// let summary = imgdemo::batch::Summary {
    ///     written: 3, pixels: 6_000_000, jobs: 2,
    ///     elapsed: std::time::Duration::from_millis(500),
    ///     decode: std::time::Duration::from_millis(300),
    ///     encode: std::time::Duration::from_millis(100),
    ///     ..Default::default()
    /// };
    /// let text = summary.to_string();
    /// assert!(text.starts_with("3 written, 0 failed, 0 skipped in 0.50 s\n"), "{text}");
    /// let rerun = imgdemo::batch::Summary { existing: 3, skipped: 1, ..Default::default() };
    /// assert!(rerun.to_string().starts_with("0 written, 0 failed, 4 skipped (3 existing outputs kept) in "));
    /// assert!(text.contains("6.0 megapixels: 12.0 MP/s, 6.0 images/s on 2 jobs"), "{text}");
    /// assert!(text.contains("decode 75%, ops 0%, encode 25%; syncing to disk 0.00 s"), "{text}");
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        write!(
            f,
            "{} written, {} failed, {} skipped",
            self.written,
            self.failed.len(),
            self.skipped_total()
        )?;
        if self.existing > 0 {
            write!(f, " ({} existing outputs kept)", self.existing)?;
        }
        write!(f, " in {secs:.2} s")?;
        if self.not_started > 0 {
            write!(f, " (stopped: {} not started)", self.not_started)?;
        }
        let megapixels = self.pixels as f64 / 1e6;
        let per_sec = |n: f64| if secs > 0.0 { n / secs } else { 0.0 };
        write!(
            f,
            "\n{megapixels:.1} megapixels: {:.1} MP/s, {:.1} images/s on {} jobs",
            per_sec(megapixels),
            per_sec(self.written as f64),
            self.jobs
        )?;
        let busy = (self.decode + self.ops + self.encode).as_secs_f64();
        if busy > 0.0 {
            let share = |d: Duration| 100.0 * d.as_secs_f64() / busy;
            write!(
                f,
                "\nworker time: decode {:.0}%, ops {:.0}%, encode {:.0}%",
                share(self.decode),
                share(self.ops),
                share(self.encode)
            )?;
            write!(
                f,
                "; syncing to disk {:.2} s (I/O thread)",
                self.sync.as_secs_f64()
            )?;
        }
        if let Some(peak) = peak_memory_bytes() {
            write!(f, "\npeak memory {:.1} MiB", peak as f64 / (1 << 20) as f64)?;
        }
        Ok(())
    }
}

/// The process's peak resident memory (Linux `VmHWM`), if the platform reports it.
///
/// ```
/// # #[cfg(target_os = "linux")]
/// assert!(imgdemo::batch::peak_memory_bytes().unwrap() > 0);
/// ```
pub fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The text of a panic payload.
pub(super) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

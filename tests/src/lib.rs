//! Helpers for viewlib's end-to-end tests, which live in `tests/tests/`: where the shared image
//! corpus is, and what its manifest says about each file; a generated conformance set for
//! clones without it; and the checks both go through.
// No unsafe: everything that needs it is in viewlib, behind checked types.
#![forbid(unsafe_code)]

pub mod checks;
pub mod conformance;

/// The workspace README's examples, compiled and run as doctests so they stay true (here,
/// not in `viewlib`, whose packaged crate has no file outside its folder).
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeExample;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared image corpus, `$VIEWLIB_CORPUS`, else `../shared/corpus` beside the workspace:
/// `None` when it has no `manifest.tsv`, after printing one `SKIPPED` line naming the calling
/// test, which then returns early. The line goes straight to stderr, past libtest's capture,
/// so it shows in a passing run.
///
/// # Panics
/// If the corpus is missing and `VIEWLIB_REQUIRE_CORPUS=1` (CI sets it): there, the corpus
/// tests must not stop running unnoticed.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("VIEWLIB_CORPUS").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .nth(2)
                .unwrap()
                .join("shared/corpus")
        },
        PathBuf::from,
    );
    if dir.join("manifest.tsv").is_file() {
        return Some(dir);
    }
    let missing = format!(
        "no image corpus at {} (set VIEWLIB_CORPUS or put ../shared beside the workspace)",
        dir.display()
    );
    if std::env::var_os("VIEWLIB_REQUIRE_CORPUS").is_some_and(|v| v == "1") {
        panic!("{missing}; VIEWLIB_REQUIRE_CORPUS=1 requires it");
    }
    // libtest runs each test on a thread named after it.
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {missing}");
    None
}

/// One row of `manifest.tsv`.
#[derive(Debug, Clone)]
pub struct ManifestRow {
    /// Path relative to the corpus folder.
    pub path: String,
    /// Width in pixels, for files `image` decodes.
    pub width: u32,
    /// Height in pixels, for files `image` decodes.
    pub height: u32,
    /// `DynamicImage::color()` as `image` names it (`Rgb8`, `La16`, ...).
    pub color: String,
    /// Whether `image` 0.25 decodes the file.
    pub decodes: bool,
}

impl ManifestRow {
    /// Channels and bits per sample of [`color`](Self::color) (`Rgba16` is `(4, 16)`).
    pub fn channels_and_bits(&self) -> (usize, u32) {
        let color = self.color.as_str();
        let channels = if color.starts_with("Rgba") {
            4
        } else if color.starts_with("Rgb") {
            3
        } else if color.starts_with("La") {
            2
        } else {
            1
        };
        let bits = if color.ends_with("32F") {
            32
        } else if color.ends_with("16") {
            16
        } else {
            8
        };
        (channels, bits)
    }
}

/// The rows of `corpus`'s manifest, comment lines and header skipped.
pub fn manifest(corpus: &Path) -> Vec<ManifestRow> {
    let text = std::fs::read_to_string(corpus.join("manifest.tsv")).expect("manifest");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with("path\t"))
        .map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            ManifestRow {
                path: f[0].to_owned(),
                width: f[2].parse().unwrap_or(0),
                height: f[3].parse().unwrap_or(0),
                color: f[4].to_owned(),
                decodes: f[6] == "ok",
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn manifest_lists_the_corpus() {
        let Some(corpus) = super::corpus_dir() else {
            return;
        };
        let rows = super::manifest(&corpus);
        assert!(rows.len() > 200, "{} rows", rows.len());
        assert!(rows.iter().filter(|r| r.decodes).count() > 150);
    }
}

/// The binary `cargo test --workspace` built beside this test.
pub fn imgdemo() -> Command {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join(format!("imgdemo{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "{} not built: run the tests with `cargo test --workspace`",
        bin.display()
    );
    Command::new(bin)
}

/// Every file under `dir` (recursively) with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Command output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A decoded image as plain numbers, `px[(y * w + x) * c + ch]`, with its maximum value.
#[derive(Clone, PartialEq)]
pub struct Plain {
    /// Width.
    pub w: usize,
    /// Height.
    pub h: usize,
    /// Channels.
    pub c: usize,
    /// The largest sample value: 255 or 65535.
    pub max: u32,
    /// The samples.
    pub px: Vec<u32>,
}

impl Plain {
    /// Decodes `path` with the `image` crate.
    pub fn load(path: &Path) -> Plain {
        let image = image::open(path).unwrap();
        let (w, h) = (image.width() as usize, image.height() as usize);
        let c = image.color().channel_count() as usize;
        let (max, px) = match image.color().bytes_per_pixel() / c as u8 {
            1 => (255, image.into_bytes().into_iter().map(u32::from).collect()),
            2 => {
                let px = match c {
                    1 => image.into_luma16().into_raw(),
                    2 => image.into_luma_alpha16().into_raw(),
                    3 => image.into_rgb16().into_raw(),
                    _ => image.into_rgba16().into_raw(),
                };
                (65535, px.into_iter().map(u32::from).collect())
            }
            _ => panic!("{}: float", path.display()),
        };
        Plain { w, h, c, max, px }
    }

    /// Panics with the first differing sample, not a dump of both images.
    pub fn assert_eq(&self, expected: &Plain, context: &str) {
        let dims = |p: &Plain| (p.w, p.h, p.c, p.max);
        assert_eq!(
            dims(self),
            dims(expected),
            "{context}: width, height, channels, max"
        );
        if let Some(i) = (0..self.px.len()).find(|&i| self.px[i] != expected.px[i]) {
            let (pixel, ch) = (i / self.c, i % self.c);
            panic!(
                "{context}: pixel ({}, {}) channel {ch} is {}, expected {}",
                pixel % self.w,
                pixel / self.w,
                self.px[i],
                expected.px[i]
            );
        }
    }

    /// Sample `ch` of pixel `(x, y)`.
    pub fn at(&self, x: usize, y: usize, ch: usize) -> u32 {
        self.px[(y * self.w + x) * self.c + ch]
    }

    /// An image of `f(x, y, ch)`.
    pub fn from_fn(
        w: usize,
        h: usize,
        c: usize,
        max: u32,
        f: impl Fn(usize, usize, usize) -> u32,
    ) -> Plain {
        let mut px = Vec::with_capacity(w * h * c);
        for y in 0..h {
            for x in 0..w {
                for ch in 0..c {
                    px.push(f(x, y, ch));
                }
            }
        }
        Plain { w, h, c, max, px }
    }

    /// One operation, pixel by pixel; `None` where it does not apply.
    pub fn apply(&self, op: &str) -> Option<Plain> {
        let (w, h, c, max) = (self.w, self.h, self.c, self.max);
        let has_alpha = c == 2 || c == 4;
        Some(match op.split_once('=').unwrap_or((op, "")) {
            ("invert", "") => Plain::from_fn(w, h, c, max, |x, y, ch| {
                let v = self.at(x, y, ch);
                if has_alpha && ch == c - 1 { v } else { max - v }
            }),
            ("crop", args) => {
                let n: Vec<usize> = args.split(',').map(|s| s.parse().unwrap()).collect();
                if n[0] + n[2] > w || n[1] + n[3] > h {
                    return None;
                }
                Plain::from_fn(n[2], n[3], c, max, |x, y, ch| {
                    self.at(x + n[0], y + n[1], ch)
                })
            }
            ("flip", "h") => Plain::from_fn(w, h, c, max, |x, y, ch| self.at(w - 1 - x, y, ch)),
            ("flip", "v") => Plain::from_fn(w, h, c, max, |x, y, ch| self.at(x, h - 1 - y, ch)),
            ("transpose", "") => Plain::from_fn(h, w, c, max, |x, y, ch| self.at(y, x, ch)),
            ("channel", name) => {
                let index = match (name, c) {
                    ("L", 1 | 2) | ("R", 3 | 4) => 0,
                    ("G", 3 | 4) | ("A", 2) => 1,
                    ("B", 3 | 4) => 2,
                    ("A", 4) => 3,
                    _ => return None,
                };
                Plain::from_fn(w, h, 1, max, |x, y, _| self.at(x, y, index))
            }
            ("gray", "") if c >= 3 => Plain::from_fn(w, h, c - 2, max, |x, y, ch| {
                if ch == 1 {
                    return self.at(x, y, 3);
                }
                let [r, g, b] = [0, 1, 2].map(|i| self.at(x, y, i));
                (2126 * r + 7152 * g + 722 * b) / 10000
            }),
            ("gray", "") => self.clone(),
            other => panic!("no reference for {other:?}"),
        })
    }
}

/// Peak memory from the summary's last line.
pub fn peak_mib(stdout: &str) -> f64 {
    let line = stdout
        .lines()
        .find(|l| l.starts_with("peak memory "))
        .expect("peak memory line");
    line["peak memory ".len()..]
        .trim_end_matches(" MiB")
        .parse()
        .unwrap()
}

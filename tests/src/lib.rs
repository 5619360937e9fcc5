//! Helpers for viewlib's end-to-end tests, which live in `tests/tests/`: where the shared image
//! corpus is, and what its manifest says about each file.

use std::path::PathBuf;

/// The shared corpus: `$VIEWLIB_CORPUS`, else `../shared/corpus` beside the workspace.
///
/// # Panics
/// If the folder is missing: the end-to-end tests must not pass vacuously.
pub fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("VIEWLIB_CORPUS").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        dir.join("manifest.tsv").is_file(),
        "image corpus not found at {} (set VIEWLIB_CORPUS)",
        dir.display()
    );
    dir
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

/// The manifest's rows, comment lines and header skipped.
pub fn manifest() -> Vec<ManifestRow> {
    let text = std::fs::read_to_string(corpus_dir().join("manifest.tsv")).expect("manifest");
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
        let rows = super::manifest();
        assert!(rows.len() > 200, "{} rows", rows.len());
        assert!(rows.iter().filter(|r| r.decodes).count() > 150);
    }
}

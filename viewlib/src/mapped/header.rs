//! Where an uncompressed file keeps its samples: parsed from a PNM or farbfeld header, or
//! stated by the caller for raw files, and checked before anything is mapped.

use crate::io::FileErrorKind;
pub use crate::sample_type::SampleType;

/// The container a file's samples sit in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// Binary PNM: `P5` (gray) or `P6` (RGB), 8-bit when `maxval < 256`, else 16-bit
    /// big-endian.
    Pnm {
        /// The largest sample value the header declares (255 or 65535 for the full range).
        maxval: u16,
    },
    /// farbfeld: 16-bit big-endian RGBA after a 16-byte header.
    Farbfeld,
    /// Samples without a header, at a caller-stated offset.
    Raw,
}

impl FileKind {
    /// The name errors use: `PNM`, `farbfeld`, `raw`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Pnm { .. } => "PNM",
            FileKind::Farbfeld => "farbfeld",
            FileKind::Raw => "raw",
        }
    }
}

/// Where a file keeps its samples: the container, the image shape, the sample type and the
/// byte offset of the first sample. Samples are stored row by row, pixel by pixel (C order,
/// `[height, width, channels]`).
///
/// Every constructor checks the sizes: no dimension is zero and the byte count fits `u64`
/// and the address space, so the layout can be mapped without further arithmetic checks.
///
/// ```
/// use viewlib::mapped::{FileLayout, FileKind, SampleType};
/// let layout = FileLayout::parse(b"P6\n# a comment\n3 2\n65535\n")?;
/// assert_eq!(layout.kind(), FileKind::Pnm { maxval: 65535 });
/// assert_eq!((layout.shape(), layout.sample_type()), ([2, 3, 3], SampleType::U16Be));
/// assert_eq!((layout.data_offset(), layout.data_len(), layout.file_len()), (25, 36, 61));
/// assert!(FileLayout::parse(b"P6 3 2 70000\n").unwrap_err().to_string().contains("maxval 70000"));
/// # Ok::<(), viewlib::io::FileErrorKind>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileLayout {
    kind: FileKind,
    shape: [usize; 3],
    sample: SampleType,
    data_offset: u64,
    data_len: u64,
}

/// The most header bytes [`FileLayout::parse`] looks at: PNM allows comments, but not
/// unbounded ones.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;

const FARBFELD_MAGIC: &[u8; 8] = b"farbfeld";

impl FileLayout {
    fn new(
        kind: FileKind,
        shape: [usize; 3],
        sample: SampleType,
        data_offset: u64,
    ) -> Result<FileLayout, FileErrorKind> {
        let bad = |reason: String| FileErrorKind::BadHeader {
            format: kind.name().into(),
            reason,
        };
        let [height, width, channels] = shape;
        if height == 0 || width == 0 || channels == 0 {
            return Err(bad(format!(
                "{width}x{height} with {channels} channel(s) is empty; an empty file cannot be \
                 mapped"
            )));
        }
        let data_len = [width, channels, sample.size()]
            .iter()
            .try_fold(height as u64, |acc, &n| acc.checked_mul(n as u64))
            .filter(|&n| {
                // The whole file must be addressable, and views count elements in isize.
                data_offset
                    .checked_add(n)
                    .is_some_and(|end| end <= isize::MAX as u64)
            })
            .ok_or_else(|| {
                bad(format!(
                    "{width}x{height}x{channels} samples of {} bytes from byte {data_offset} \
                     overflow the address space",
                    sample.size()
                ))
            })?;
        Ok(FileLayout {
            kind,
            shape,
            sample,
            data_offset,
            data_len,
        })
    }

    /// A binary PNM (`P5` for 1 channel, `P6` for 3) of full range: 8-bit (`maxval` 255) for
    /// [`SampleType::U8`], 16-bit big-endian (`maxval` 65535) for [`SampleType::U16Be`].
    ///
    /// ```
    /// use viewlib::mapped::{FileLayout, SampleType};
    /// let layout = FileLayout::pnm(640, 480, 3, SampleType::U8)?;
    /// assert_eq!(layout.header_bytes(), b"P6\n640 480\n255\n");
    /// assert!(FileLayout::pnm(640, 480, 4, SampleType::U8).is_err()); // PNM has no RGBA
    /// # Ok::<(), viewlib::io::FileErrorKind>(())
    /// ```
    pub fn pnm(
        width: usize,
        height: usize,
        channels: usize,
        sample: SampleType,
    ) -> Result<FileLayout, FileErrorKind> {
        let maxval = match sample {
            SampleType::U8 => 255,
            SampleType::U16Be => 65535,
            other => {
                return Err(FileErrorKind::Unsupported {
                    what: format!("`{other}` samples"),
                    format: "PNM (u1 or >u2)".into(),
                });
            }
        };
        if channels != 1 && channels != 3 {
            return Err(FileErrorKind::Unsupported {
                what: format!("a {channels}-channel image"),
                format: "PNM (P5 gray or P6 RGB)".into(),
            });
        }
        let header = pnm_header(width, height, channels, maxval);
        FileLayout::new(
            FileKind::Pnm { maxval },
            [height, width, channels],
            sample,
            header.len() as u64,
        )
    }

    /// A farbfeld file: 16-bit big-endian RGBA, `width` and `height` at most `u32::MAX`.
    ///
    /// ```
    /// use viewlib::mapped::FileLayout;
    /// let layout = FileLayout::farbfeld(2, 1)?;
    /// assert_eq!((layout.shape(), layout.data_offset(), layout.file_len()), ([1, 2, 4], 16, 32));
    /// # Ok::<(), viewlib::io::FileErrorKind>(())
    /// ```
    pub fn farbfeld(width: usize, height: usize) -> Result<FileLayout, FileErrorKind> {
        if u32::try_from(width).is_err() || u32::try_from(height).is_err() {
            return Err(FileErrorKind::Unsupported {
                what: format!("a {width}x{height} image"),
                format: "farbfeld (at most 4294967295 a side)".into(),
            });
        }
        FileLayout::new(
            FileKind::Farbfeld,
            [height, width, 4],
            SampleType::U16Be,
            16,
        )
    }

    /// Samples without a header, as `numpy.memmap(path, dtype, offset=..., shape=...)`: a
    /// `[height, width, channels]` image of `sample` starting at byte `offset`.
    ///
    /// ```
    /// use viewlib::mapped::{FileLayout, SampleType};
    /// let layout = FileLayout::raw([1080, 1920, 1], "<u2".parse()?, 512)?;
    /// assert_eq!(layout.file_len(), 512 + 1080 * 1920 * 2);
    /// assert!(FileLayout::raw([1 << 40, 1 << 40, 1], SampleType::U8, 0).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn raw(
        shape: [usize; 3],
        sample: SampleType,
        offset: u64,
    ) -> Result<FileLayout, FileErrorKind> {
        FileLayout::new(FileKind::Raw, shape, sample, offset)
    }

    /// Reads a PNM (`P5`/`P6`) or farbfeld header from the start of a file. Only the header's
    /// own consistency is checked here; that the file is long enough is checked when it is
    /// opened.
    pub fn parse(head: &[u8]) -> Result<FileLayout, FileErrorKind> {
        if head.starts_with(FARBFELD_MAGIC) {
            return parse_farbfeld(head);
        }
        if let [b'P', digit @ b'1'..=b'7', ..] = head {
            return parse_pnm(*digit, head);
        }
        Err(FileErrorKind::BadHeader {
            format: "PNM or farbfeld".into(),
            reason: format!(
                "starts with {:02x?}, not `P5`, `P6` or `farbfeld` (for headerless samples, \
                 state the layout with FileLayout::raw)",
                &head[..head.len().min(8)]
            ),
        })
    }

    /// The container.
    #[must_use]
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// `[height, width, channels]`.
    #[must_use]
    pub fn shape(&self) -> [usize; 3] {
        self.shape
    }

    /// The stored sample type.
    #[must_use]
    pub fn sample_type(&self) -> SampleType {
        self.sample
    }

    /// Byte offset of the first sample.
    #[must_use]
    pub fn data_offset(&self) -> u64 {
        self.data_offset
    }

    /// Bytes of samples.
    #[must_use]
    pub fn data_len(&self) -> u64 {
        self.data_len
    }

    /// Bytes per row: `width * channels * sample size`.
    #[must_use]
    pub fn row_bytes(&self) -> usize {
        // Fits: it divides `data_len`, which was checked to fit `isize`.
        self.shape[1] * self.shape[2] * self.sample.size()
    }

    /// The least file length that holds every sample: `data_offset + data_len`.
    #[must_use]
    pub fn file_len(&self) -> u64 {
        self.data_offset + self.data_len
    }

    /// Whether samples span their type's whole range (not a PNM with another `maxval` than
    /// 255 or 65535), so that kernels like invert mean what they say.
    #[must_use]
    pub fn is_full_range(&self) -> bool {
        !matches!(self.kind, FileKind::Pnm { maxval } if maxval != 255 && maxval != 65535)
    }

    /// The header a new file of this layout starts with: empty for raw layouts (whose bytes
    /// before `data_offset` are left zero).
    #[must_use]
    pub fn header_bytes(&self) -> Vec<u8> {
        let [height, width, channels] = self.shape;
        match self.kind {
            FileKind::Pnm { maxval } => pnm_header(width, height, channels, maxval),
            FileKind::Farbfeld => {
                let mut header = FARBFELD_MAGIC.to_vec();
                // `farbfeld` checked both fit u32.
                header.extend((width as u32).to_be_bytes());
                header.extend((height as u32).to_be_bytes());
                header
            }
            FileKind::Raw => Vec::new(),
        }
    }
}

fn pnm_header(width: usize, height: usize, channels: usize, maxval: u16) -> Vec<u8> {
    let magic = if channels == 1 { "P5" } else { "P6" };
    format!("{magic}\n{width} {height}\n{maxval}\n").into_bytes()
}

fn parse_farbfeld(head: &[u8]) -> Result<FileLayout, FileErrorKind> {
    let Some(dims) = head.get(8..16) else {
        return Err(FileErrorKind::BadHeader {
            format: "farbfeld".into(),
            reason: format!("the header is 16 bytes, the file has {}", head.len()),
        });
    };
    let width = u32::from_be_bytes(dims[..4].try_into().expect("4 bytes"));
    let height = u32::from_be_bytes(dims[4..].try_into().expect("4 bytes"));
    FileLayout::farbfeld(width as usize, height as usize)
}

fn parse_pnm(digit: u8, head: &[u8]) -> Result<FileLayout, FileErrorKind> {
    let bad = |reason: String| FileErrorKind::BadHeader {
        format: "PNM".into(),
        reason,
    };
    let channels = match digit {
        b'5' => 1,
        b'6' => 3,
        b'1'..=b'3' => {
            return Err(bad(format!(
                "P{} stores samples as text (or bits), which cannot be mapped; only binary P5 \
                 and P6 can",
                digit as char
            )));
        }
        _ => {
            return Err(bad(format!(
                "P{} is not mappable here; only binary P5 (gray) and P6 (RGB) are",
                digit as char
            )));
        }
    };
    let mut at = 2;
    let mut field = |name: &str| -> Result<u64, FileErrorKind> {
        // Whitespace and `#` comments (to the end of the line) may separate the fields.
        loop {
            match head.get(at) {
                Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) => at += 1,
                Some(b'#') => {
                    while !matches!(head.get(at), None | Some(b'\n' | b'\r')) {
                        at += 1;
                    }
                }
                _ => break,
            }
        }
        let start = at;
        while head.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
        let digits = &head[start..at];
        if digits.is_empty() {
            let found = match head.get(at) {
                None if head.len() >= MAX_HEADER_BYTES => {
                    format!("the header is longer than {MAX_HEADER_BYTES} bytes")
                }
                None => "the file ends".to_string(),
                Some(b) => format!("found {:?}", *b as char),
            };
            return Err(bad(format!("expected the {name} (a number); {found}")));
        }
        // At most 19 digits always fits u64; more is overflow, reported with the digits.
        let text = String::from_utf8_lossy(digits);
        text.parse::<u64>()
            .ok()
            .filter(|_| digits.len() <= 19)
            .ok_or_else(|| bad(format!("{name} {text} is too large")))
    };
    let width = field("width")?;
    let height = field("height")?;
    let maxval = field("maxval")?;
    let after = at;
    if !(1..=65535).contains(&maxval) {
        return Err(bad(format!("maxval {maxval} is not in 1..=65535")));
    }
    // Exactly one whitespace byte separates the header from the samples.
    match head.get(after) {
        Some(b) if b.is_ascii_whitespace() => {}
        Some(b) => {
            return Err(bad(format!(
                "expected one whitespace byte after maxval, found {:?}",
                *b as char
            )));
        }
        None => return Err(bad("the file ends inside the header".into())),
    }
    let (Ok(width), Ok(height)) = (usize::try_from(width), usize::try_from(height)) else {
        return Err(bad(format!("{width}x{height} overflows the address space")));
    };
    let sample = if maxval < 256 {
        SampleType::U8
    } else {
        SampleType::U16Be
    };
    FileLayout::new(
        FileKind::Pnm {
            maxval: maxval as u16,
        },
        [height, width, channels],
        sample,
        after as u64 + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(head: &[u8]) -> String {
        FileLayout::parse(head).unwrap_err().to_string()
    }

    #[test]
    fn pnm_headers_with_comments_and_any_whitespace() {
        let layout = FileLayout::parse(b"P5#c\n 7\t\r\n#x y\n5 255\rDATA").unwrap();
        assert_eq!(layout.shape(), [5, 7, 1]);
        assert_eq!(layout.sample_type(), SampleType::U8);
        assert_eq!(layout.data_offset(), 21); // "DATA" starts after the single \r
        let layout = FileLayout::parse(b"P6 1 1 1000\n").unwrap();
        assert_eq!(layout.kind(), FileKind::Pnm { maxval: 1000 });
        assert_eq!(layout.sample_type(), SampleType::U16Be);
        assert!(!layout.is_full_range());
    }

    #[test]
    fn bad_pnm_headers_name_the_problem() {
        assert!(reason(b"P6 0 5 255\n").contains("0x5 with 3 channel(s) is empty"));
        assert!(reason(b"P6 5 5 0\n").contains("maxval 0 is not in 1..=65535"));
        assert!(reason(b"P6 5 5 65536\n").contains("maxval 65536"));
        assert!(reason(b"P6 5 x 255\n").contains("expected the height (a number); found 'x'"));
        assert!(reason(b"P6 5 5").contains("expected the maxval (a number); the file ends"));
        assert!(reason(b"P6 5 5 255").contains("ends inside the header"));
        assert!(reason(b"P6 5 5 255x").contains("one whitespace byte after maxval"));
        assert!(
            reason(b"P6 99999999999999999999 5 255\n")
                .contains("width 99999999999999999999 is too large")
        );
        assert!(reason(b"P6 4294967296 4294967296 65535\n").contains("overflow the address space"));
        assert!(reason(b"P3 1 1 255\n1 2 3").contains("P3 stores samples as text"));
        assert!(reason(b"P7\nWIDTH 1\n").contains("P7 is not mappable"));
        assert!(reason(b"GIF89a").contains("not `P5`, `P6` or `farbfeld`"));
        let mut long = b"P5 #".to_vec();
        long.resize(MAX_HEADER_BYTES, b'c');
        assert!(reason(&long).contains("longer than 65536 bytes"));
    }

    #[test]
    fn farbfeld_headers() {
        let mut head = b"farbfeld".to_vec();
        head.extend(3u32.to_be_bytes());
        head.extend(2u32.to_be_bytes());
        let layout = FileLayout::parse(&head).unwrap();
        assert_eq!(layout.shape(), [2, 3, 4]);
        assert_eq!(layout.header_bytes(), head);
        assert!(reason(&head[..12]).contains("the header is 16 bytes, the file has 12"));
        head[12..].copy_from_slice(&0u32.to_be_bytes());
        assert!(reason(&head).contains("is empty"));
    }

    #[test]
    fn headers_round_trip() {
        for (w, h, c, t) in [(1, 1, 1, SampleType::U8), (641, 3, 3, SampleType::U16Be)] {
            let layout = FileLayout::pnm(w, h, c, t).unwrap();
            assert_eq!(FileLayout::parse(&layout.header_bytes()).unwrap(), layout);
        }
    }
}

//! A reader of ZIP archives as far as `.xlsx` files need one: the central directory (with
//! its Zip64 extensions), stored and deflated entries, each checked against its size and
//! CRC-32. Entries are looked up by name without regard to case (OPC part names are
//! case-insensitive).
//!
//! Nothing here trusts the archive: every offset and length is checked before use, and an
//! entry is inflated into at most the size its directory entry declares, itself at most
//! [`MAX_ENTRY_BYTES`] (a small archive cannot expand into gigabytes).

/// The largest entry this reader unpacks. A worksheet of a hundred thousand rows of the
/// explorer's layout is a few tens of megabytes.
pub const MAX_ENTRY_BYTES: u64 = 128 << 20;

const END_OF_DIRECTORY: u32 = 0x0605_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const ZIP64_END_OF_DIRECTORY: u32 = 0x0606_4b50;
const DIRECTORY_ENTRY: u32 = 0x0201_4b50;
const LOCAL_HEADER: u32 = 0x0403_4b50;
const ZIP64_EXTRA: u16 = 0x0001;

/// Why an archive or one of its entries cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipError {
    #[error("not an .xlsx workbook (it is not a ZIP archive)")]
    NotZip,
    #[error("the ZIP archive is cut short or damaged ({0})")]
    Damaged(&'static str),
    #[error("part {name} is encrypted")]
    Encrypted { name: String },
    #[error(
        "part {name} uses compression method {method}; only stored and deflated parts can be read"
    )]
    Method { name: String, method: u16 },
    #[error("part {name} is damaged: {problem}")]
    Corrupt { name: String, problem: String },
    #[error(
        "part {name} unpacks to {size} bytes, more than the {MAX_ENTRY_BYTES} this reader accepts"
    )]
    TooLarge { name: String, size: u64 },
    #[error("part {name} fails its CRC-32 check")]
    Checksum { name: String },
}

/// One entry of the central directory.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    flags: u16,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    local_header: u64,
}

/// An opened archive: its bytes and its directory.
#[derive(Debug)]
pub struct Archive<'a> {
    data: &'a [u8],
    entries: Vec<Entry>,
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes(bytes.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(bytes.try_into().ok()?))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    let bytes = data.get(at..at.checked_add(8)?)?;
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}

fn to_usize(n: u64) -> Option<usize> {
    usize::try_from(n).ok()
}

/// Where the directory is and how many entries it says it has.
struct Directory {
    offset: u64,
    size: u64,
    entries: u64,
}

/// The end-of-central-directory record: the last one whose comment ends at the end of the
/// file (or, failing that, the last one at all), then its Zip64 counterpart if it defers to it.
fn find_directory(data: &[u8]) -> Result<Directory, ZipError> {
    const RECORD: usize = 22;
    if data.len() < RECORD {
        return Err(ZipError::NotZip);
    }
    let last = data.len() - RECORD;
    let first = last.saturating_sub(usize::from(u16::MAX));
    let candidates = (first..=last)
        .rev()
        .filter(|&at| u32_at(data, at) == Some(END_OF_DIRECTORY));
    let mut found = None;
    for at in candidates {
        let comment = u16_at(data, at + 20).map_or(0, usize::from);
        if at + RECORD + comment == data.len() {
            found = Some(at);
            break;
        }
        found.get_or_insert(at);
    }
    let at = found.ok_or(ZipError::NotZip)?;
    let damaged = || ZipError::Damaged("end of directory");
    let entries = u16_at(data, at + 10).ok_or_else(damaged)?;
    let size = u32_at(data, at + 12).ok_or_else(damaged)?;
    let offset = u32_at(data, at + 16).ok_or_else(damaged)?;
    let defers = entries == u16::MAX || size == u32::MAX || offset == u32::MAX;
    if defers && at >= 20 && u32_at(data, at - 20) == Some(ZIP64_LOCATOR) {
        let damaged = || ZipError::Damaged("Zip64 end of directory");
        let record = u64_at(data, at - 20 + 8)
            .and_then(to_usize)
            .ok_or_else(damaged)?;
        if u32_at(data, record) != Some(ZIP64_END_OF_DIRECTORY) {
            return Err(damaged());
        }
        return Ok(Directory {
            entries: u64_at(data, record + 32).ok_or_else(damaged)?,
            size: u64_at(data, record + 40).ok_or_else(damaged)?,
            offset: u64_at(data, record + 48).ok_or_else(damaged)?,
        });
    }
    Ok(Directory {
        offset: offset.into(),
        size: size.into(),
        entries: entries.into(),
    })
}

impl<'a> Archive<'a> {
    /// Reads the central directory of `data`.
    pub fn open(data: &'a [u8]) -> Result<Archive<'a>, ZipError> {
        let directory = find_directory(data)?;
        let damaged = || ZipError::Damaged("central directory");
        let start = to_usize(directory.offset).ok_or_else(damaged)?;
        let end = to_usize(directory.size)
            .and_then(|size| start.checked_add(size))
            .filter(|&end| end <= data.len())
            .ok_or_else(damaged)?;
        let mut entries = Vec::new();
        let mut at = start;
        while (entries.len() as u64) < directory.entries {
            if at >= end || u32_at(data, at) != Some(DIRECTORY_ENTRY) {
                return Err(damaged());
            }
            let (entry, next) = read_entry(data, at).ok_or_else(damaged)?;
            entries.push(entry);
            at = next;
        }
        Ok(Archive { data, entries })
    }

    /// The names of the entries, in directory order.
    #[cfg(test)]
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| e.name.as_str())
    }

    /// The contents of the entry named `name` (case-insensitively), if there is one.
    pub fn read(&self, name: &str) -> Result<Option<Vec<u8>>, ZipError> {
        match self
            .entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
        {
            None => Ok(None),
            Some(entry) => self.unpack(entry).map(Some),
        }
    }

    fn unpack(&self, entry: &Entry) -> Result<Vec<u8>, ZipError> {
        let name = || entry.name.clone();
        if entry.flags & 1 != 0 {
            return Err(ZipError::Encrypted { name: name() });
        }
        if entry.size > MAX_ENTRY_BYTES {
            return Err(ZipError::TooLarge {
                name: name(),
                size: entry.size,
            });
        }
        let damaged = || ZipError::Damaged("local header");
        let local = to_usize(entry.local_header).ok_or_else(damaged)?;
        if u32_at(self.data, local) != Some(LOCAL_HEADER) {
            return Err(damaged());
        }
        let name_length = usize::from(u16_at(self.data, local + 26).ok_or_else(damaged)?);
        let extra_length = usize::from(u16_at(self.data, local + 28).ok_or_else(damaged)?);
        let start = local + 30 + name_length + extra_length;
        let packed = to_usize(entry.compressed)
            .and_then(|length| start.checked_add(length))
            .and_then(|end| self.data.get(start..end))
            .ok_or(ZipError::Damaged("entry data"))?;
        // Within MAX_ENTRY_BYTES, so it fits a usize on every target.
        let size = to_usize(entry.size).ok_or(ZipError::Damaged("entry size"))?;
        let bytes = match entry.method {
            0 => packed.to_vec(),
            8 => inflate(packed, size).map_err(|problem| ZipError::Corrupt {
                name: name(),
                problem,
            })?,
            method => {
                return Err(ZipError::Method {
                    name: name(),
                    method,
                });
            }
        };
        if bytes.len() != size {
            return Err(ZipError::Corrupt {
                name: name(),
                problem: format!(
                    "it unpacks to {} bytes, not the {size} its directory entry says",
                    bytes.len()
                ),
            });
        }
        if crc32(&bytes) != entry.crc {
            return Err(ZipError::Checksum { name: name() });
        }
        Ok(bytes)
    }
}

/// Inflates raw deflate data into at most `size` bytes.
fn inflate(packed: &[u8], size: usize) -> Result<Vec<u8>, String> {
    use miniz_oxide::inflate::{TINFLStatus, decompress_to_vec_with_limit};
    // The limit is an upper bound; one byte more tells "longer than declared" apart.
    match decompress_to_vec_with_limit(packed, size.saturating_add(1)) {
        Ok(bytes) => Ok(bytes),
        Err(e) => Err(match e.status {
            TINFLStatus::HasMoreOutput => "it unpacks to more than its declared size".to_owned(),
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                "its compressed data is cut short".to_owned()
            }
            _ => "its compressed data is invalid".to_owned(),
        }),
    }
}

/// The directory entry at `at` and where the next one starts.
fn read_entry(data: &[u8], at: usize) -> Option<(Entry, usize)> {
    let flags = u16_at(data, at + 8)?;
    let method = u16_at(data, at + 10)?;
    let crc = u32_at(data, at + 16)?;
    let mut compressed = u64::from(u32_at(data, at + 20)?);
    let mut size = u64::from(u32_at(data, at + 24)?);
    let name_length = usize::from(u16_at(data, at + 28)?);
    let extra_length = usize::from(u16_at(data, at + 30)?);
    let comment_length = usize::from(u16_at(data, at + 32)?);
    let mut local_header = u64::from(u32_at(data, at + 42)?);
    let name_start = at + 46;
    let name = data.get(name_start..name_start + name_length)?;
    let extra_start = name_start + name_length;
    let extra = data.get(extra_start..extra_start + extra_length)?;

    // Zip64: the fields that overflowed are in the extra field, in this order.
    let mut field = 0;
    while field + 4 <= extra.len() {
        let id = u16_at(extra, field)?;
        let length = usize::from(u16_at(extra, field + 2)?);
        let body = extra.get(field + 4..field + 4 + length)?;
        if id == ZIP64_EXTRA {
            let mut values = body
                .chunks_exact(8)
                .filter_map(|c| Some(u64::from_le_bytes(c.try_into().ok()?)));
            for target in [&mut size, &mut compressed, &mut local_header] {
                if *target == u64::from(u32::MAX) {
                    *target = values.next()?;
                }
            }
        }
        field += 4 + length;
    }
    let entry = Entry {
        // Part names of an .xlsx are ASCII; anything else is kept readable.
        name: String::from_utf8_lossy(name).into_owned(),
        flags,
        method,
        crc,
        compressed,
        size,
        local_header,
    };
    Some((entry, extra_start + extra_length + comment_length))
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 == 1 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (ISO-HDLC), as ZIP uses it.
pub fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |c, &b| {
        CRC_TABLE[((c ^ u32::from(b)) & 0xFF) as usize] ^ (c >> 8)
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Writes a ZIP archive of `(name, contents, deflate?)` entries.
    pub(crate) fn zip(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut directory = Vec::new();
        for &(name, contents, deflate) in entries {
            let packed = if deflate {
                miniz_oxide::deflate::compress_to_vec(contents, 6)
            } else {
                contents.to_vec()
            };
            let offset = out.len() as u32;
            let method: u16 = if deflate { 8 } else { 0 };
            let mut common = Vec::new();
            common.extend_from_slice(&20u16.to_le_bytes()); // version needed
            common.extend_from_slice(&0u16.to_le_bytes()); // flags
            common.extend_from_slice(&method.to_le_bytes());
            common.extend_from_slice(&0u32.to_le_bytes()); // time and date
            common.extend_from_slice(&crc32(contents).to_le_bytes());
            common.extend_from_slice(&(packed.len() as u32).to_le_bytes());
            common.extend_from_slice(&(contents.len() as u32).to_le_bytes());
            common.extend_from_slice(&(name.len() as u16).to_le_bytes());
            common.extend_from_slice(&0u16.to_le_bytes()); // extra length
            out.extend_from_slice(&LOCAL_HEADER.to_le_bytes());
            out.extend_from_slice(&common);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&packed);
            directory.extend_from_slice(&DIRECTORY_ENTRY.to_le_bytes());
            directory.extend_from_slice(&20u16.to_le_bytes()); // version made by
            directory.extend_from_slice(&common);
            directory.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
            directory.extend_from_slice(&0u32.to_le_bytes()); // external attributes
            directory.extend_from_slice(&offset.to_le_bytes());
            directory.extend_from_slice(name.as_bytes());
        }
        let directory_offset = out.len() as u32;
        out.extend_from_slice(&directory);
        out.extend_from_slice(&END_OF_DIRECTORY.to_le_bytes());
        out.extend_from_slice(&[0; 4]); // disk numbers
        let count = entries.len() as u16;
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&(directory.len() as u32).to_le_bytes());
        out.extend_from_slice(&directory_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn stored_and_deflated_entries_are_read_by_name_in_any_case() {
        let long = "abc".repeat(1000);
        let data = zip(&[
            ("a.txt", b"plain", false),
            ("Dir/B.xml", long.as_bytes(), true),
            ("empty", b"", true),
        ]);
        let archive = Archive::open(&data).unwrap();
        assert_eq!(
            archive.names().collect::<Vec<_>>(),
            ["a.txt", "Dir/B.xml", "empty"]
        );
        assert_eq!(archive.read("a.txt").unwrap().unwrap(), b"plain");
        assert_eq!(archive.read("dir/b.xml").unwrap().unwrap(), long.as_bytes());
        assert_eq!(archive.read("empty").unwrap().unwrap(), b"");
        assert_eq!(archive.read("missing").unwrap(), None);
    }

    #[test]
    fn a_trailing_comment_is_allowed() {
        let mut data = zip(&[("a", b"x", false)]);
        let at = data.len() - 2;
        data[at..].copy_from_slice(&5u16.to_le_bytes());
        data.extend_from_slice(b"hello");
        assert_eq!(
            Archive::open(&data).unwrap().read("a").unwrap().unwrap(),
            b"x"
        );
    }

    #[test]
    fn damaged_archives_are_refused_without_panicking() {
        assert_eq!(Archive::open(b"").unwrap_err(), ZipError::NotZip);
        assert_eq!(
            Archive::open(b"{\"twins\": []} and some more text").unwrap_err(),
            ZipError::NotZip
        );
        let good = zip(&[("a.xml", "<a/>".repeat(50).as_bytes(), true)]);
        // Every truncation and every single-byte change: an error or (rarely) a read, never
        // a panic.
        for cut in 0..good.len() {
            if let Ok(archive) = Archive::open(&good[..cut]) {
                let _ = archive.read("a.xml");
            }
        }
        for at in 0..good.len() {
            for value in [0x00, 0xFF, good[at] ^ 0x01] {
                let mut bad = good.clone();
                bad[at] = value;
                if let Ok(archive) = Archive::open(&bad) {
                    let _ = archive.read("a.xml");
                }
            }
        }
    }

    #[test]
    fn entry_problems_are_named() {
        let good = zip(&[("a.xml", b"<a>hello</a>", false)]);
        let data_at = 30 + "a.xml".len();
        let mut bad = good.clone();
        bad[data_at] = b'X';
        assert_eq!(
            Archive::open(&bad).unwrap().read("a.xml").unwrap_err(),
            ZipError::Checksum {
                name: "a.xml".into()
            }
        );
        // Method 12 (bzip2) in the directory entry.
        let directory = good.len() - 22 - (46 + 5);
        let mut bad = good.clone();
        bad[directory + 10] = 12;
        assert_eq!(
            Archive::open(&bad).unwrap().read("a.xml").unwrap_err(),
            ZipError::Method {
                name: "a.xml".into(),
                method: 12
            }
        );
        let mut bad = good.clone();
        bad[directory + 8] = 1;
        assert_eq!(
            Archive::open(&bad).unwrap().read("a.xml").unwrap_err(),
            ZipError::Encrypted {
                name: "a.xml".into()
            }
        );
        // A declared size beyond the limit is refused before anything is unpacked.
        let mut bad = good.clone();
        bad[directory + 24..directory + 28].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            Archive::open(&bad).unwrap().read("a.xml").unwrap_err(),
            ZipError::TooLarge { .. }
        ));
        // Deflated data that unpacks to more than declared.
        let big = zip(&[("b", &[b'a'; 5000], true)]);
        let directory = big.len() - 22 - (46 + 1);
        let mut bad = big.clone();
        bad[directory + 24..directory + 28].copy_from_slice(&100u32.to_le_bytes());
        assert!(matches!(
            Archive::open(&bad).unwrap().read("b").unwrap_err(),
            ZipError::Corrupt { problem, .. } if problem.contains("more than its declared size")
        ));
    }
}

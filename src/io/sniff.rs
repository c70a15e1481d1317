//! What an input holds, told from its content: compression by magic bytes,
//! then UTF-16 or a byte-order mark, binary content, and the format (JSON
//! lines, CSV or TSV with a header row) when neither `--input-format` nor
//! the file name says. What cannot be read as notes is refused with a
//! reason that never quotes the content.

use crate::io::decode::{utf16_bom, utf16_without_bom, Decoding};
use std::io::{self, BufRead, BufReader, Cursor, Read};
use std::path::Path;

/// The formats notes are read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON lines: one object per line.
    JsonLines,
    /// CSV with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// One note per file.
    Text,
    /// Bulk FHIR NDJSON (one resource per line).
    Fhir,
    /// HL7 v2 messages.
    Hl7,
}

/// `--input-format`: a format, or `auto` (the file name, else the content).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum InputFormat {
    /// From the file name's extension, else from the content.
    #[default]
    Auto,
    /// JSON lines.
    Jsonl,
    /// CSV with a header row.
    Csv,
    /// Tab-separated values with a header row.
    Tsv,
    /// Each file (or standard input) is one note.
    Text,
    /// Bulk FHIR NDJSON.
    Fhir,
    /// HL7 v2 messages.
    Hl7,
}

impl InputFormat {
    /// The format it forces, if any.
    pub fn forced(self) -> Option<Format> {
        match self {
            InputFormat::Auto => None,
            InputFormat::Jsonl => Some(Format::JsonLines),
            InputFormat::Csv => Some(Format::Csv),
            InputFormat::Tsv => Some(Format::Tsv),
            InputFormat::Text => Some(Format::Text),
            InputFormat::Fhir => Some(Format::Fhir),
            InputFormat::Hl7 => Some(Format::Hl7),
        }
    }
}

/// Compression of an input, by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

/// Why an input is not read as notes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Compressed with a method m53audit does not read.
    #[error("compressed with {0}, which m53audit does not read; decompress it first (or recompress with gzip or zstd)")]
    Compression(&'static str),
    /// Binary content (a document format or no text at all).
    #[error("{0}, not text notes")]
    Binary(&'static str),
    /// A JSON document holding an array.
    #[error(
        "a JSON array, not JSON lines (one object per line); convert it with: jq -c '.[]' FILE"
    )]
    JsonArray,
    /// Nothing tells the format.
    #[error("cannot tell its format (not JSON lines, not CSV or TSV with a header row); name the file .txt for one note per file, or give --input-format")]
    Unknown,
}

/// The format an input's name gives (after `.gz`/`.zst`), if it gives one.
pub fn format_of_name(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let stem = name
        .strip_suffix(".gz")
        .or_else(|| name.strip_suffix(".zst"))
        .unwrap_or(&name);
    let ext = stem.rsplit_once('.')?.1;
    match ext {
        "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
        "csv" => Some(Format::Csv),
        "tsv" | "tab" => Some(Format::Tsv),
        "txt" | "text" => Some(Format::Text),
        "hl7" => Some(Format::Hl7),
        _ => None,
    }
}

/// The compression its first bytes show, or the refusal of one m53audit
/// does not read (or of an archive).
pub fn compression_of(head: &[u8]) -> Result<Compression, Refusal> {
    Ok(match head {
        [0x1F, 0x8B, ..] => Compression::Gzip,
        [0x28, 0xB5, 0x2F, 0xFD, ..] => Compression::Zstd,
        [b'B', b'Z', b'h', b'1'..=b'9', ..] => return Err(Refusal::Compression("bzip2")),
        [0xFD, b'7', b'z', b'X', b'Z', 0, ..] => return Err(Refusal::Compression("xz")),
        [b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C, ..] => return Err(Refusal::Compression("7-Zip")),
        [b'P', b'K', 3, 4, ..] => {
            return Err(Refusal::Binary("a ZIP archive (or an Office document)"))
        }
        _ => Compression::None,
    })
}

/// Refuses content that is not text: known document formats, and bytes
/// with zeros or many control characters (text notes have almost none).
pub fn check_text(head: &[u8]) -> Result<(), Refusal> {
    let known: [(&[u8], &'static str); 5] = [
        (b"%PDF", "a PDF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"\xD0\xCF\x11\xE0", "an old Office document"),
        (b"\x7FELF", "a program"),
    ];
    if let Some((_, what)) = known.iter().find(|(m, _)| head.starts_with(m)) {
        return Err(Refusal::Binary(what));
    }
    let zeros = memchr::memchr_iter(0, head).count();
    let controls = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C) || b == 0x7F)
        .count();
    if head.len() >= 64 && (zeros * 100 > head.len() || controls * 20 > head.len()) {
        return Err(Refusal::Binary("binary content"));
    }
    Ok(())
}

/// The format the content shows: JSON lines (a first object), CSV or TSV
/// (a first line of two or more column names).
pub fn format_of_content(head: &[u8]) -> Result<Format, Refusal> {
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let start = body.iter().position(|b| !b.is_ascii_whitespace());
    let body = &body[start.unwrap_or(body.len())..];
    match body.first() {
        Some(b'{') if crate::io::fhir::is_fhir(body) => return Ok(Format::Fhir),
        Some(b'{') => return Ok(Format::JsonLines),
        Some(b'[') => return Err(Refusal::JsonArray),
        _ => {}
    }
    if crate::io::hl7::is_hl7(body) {
        return Ok(Format::Hl7);
    }
    let line = body.split(|&b| b == b'\n').next().unwrap_or(body);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    for (delim, format) in [(b'\t', Format::Tsv), (b',', Format::Csv)] {
        let names: Vec<&[u8]> = line.split(|&b| b == delim).collect();
        if names.len() >= 2 && plausible_header(&names) {
            return Ok(format);
        }
    }
    Err(Refusal::Unknown)
}

/// Do these first-row fields look like column names (short words, no
/// sentence)? Only then may an error message list them: a first row of
/// note text must never be echoed.
pub fn plausible_header<T: AsRef<[u8]>>(fields: &[T]) -> bool {
    let name = |f: &[u8]| {
        let f = f
            .strip_prefix(b"\"")
            .and_then(|f| f.strip_suffix(b"\""))
            .unwrap_or(f)
            .trim_ascii();
        // (An unnamed column, as of a pandas index, is a name too.)
        f.is_empty()
            || (f.len() <= 40
                && (f[0].is_ascii_alphabetic() || b"_#".contains(&f[0]))
                && f.iter().filter(|&&b| b == b' ').count() <= 2
                && f.iter()
                    .all(|&b| b.is_ascii_alphanumeric() || b" _-./#()".contains(&b)))
    };
    fields.iter().any(|f| !f.as_ref().trim_ascii().is_empty())
        && fields.iter().all(|f| name(f.as_ref()))
}

/// An input opened for reading: its format, how its text is encoded, and
/// its decompressed bytes (UTF-16 transcoded to UTF-8 and a byte-order
/// mark removed, for JSON lines, CSV and TSV).
pub struct Opened {
    /// The format it is read as.
    pub format: Format,
    /// UTF-16 that was transcoded (JSON lines, CSV, TSV) or is left to the
    /// note decoder (text).
    pub utf16: Option<Decoding>,
    /// The bytes.
    pub reader: Box<dyn BufRead + Send>,
}

/// Up to `n` first bytes of `r`, and a reader that gives them again. A
/// read error (a truncated gzip) is kept for the reader to give after
/// those bytes, so the notes before it are still read.
fn peek(mut r: Box<dyn Read + Send>, n: usize) -> (Vec<u8>, Box<dyn Read + Send>) {
    let mut head = vec![0; n];
    let mut len = 0;
    let mut error = None;
    while len < n {
        match r.read(&mut head[len..]) {
            Ok(0) => break,
            Ok(k) => len += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    head.truncate(len);
    let again = Replay {
        head: Cursor::new(head.clone()),
        error,
        rest: r,
    };
    (head, Box::new(again))
}

/// The bytes [`peek`] took, then its error if it met one, then the rest.
struct Replay {
    head: Cursor<Vec<u8>>,
    error: Option<io::Error>,
    rest: Box<dyn Read + Send>,
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.head.read(buf)?;
        if n > 0 || buf.is_empty() {
            return Ok(n);
        }
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.rest.read(buf)
    }
}

/// Bytes the content is judged by.
const HEAD: usize = 8 << 10;

/// Opens an input: decompresses it as its magic bytes say, then chooses
/// its format (`forced`, else the `named` one, else from the content),
/// refusing binary content and what no format fits.
pub fn open_stream(
    raw: Box<dyn Read + Send>,
    forced: Option<Format>,
    named: Option<Format>,
) -> io::Result<Result<Opened, Refusal>> {
    let (head, raw) = peek(raw, HEAD);
    let reader: Box<dyn Read + Send> = match compression_of(&head) {
        Err(refusal) => return Ok(Err(refusal)),
        Ok(Compression::None) => raw,
        Ok(Compression::Gzip) => Box::new(flate2::read::MultiGzDecoder::new(
            BufReader::with_capacity(1 << 16, raw),
        )),
        Ok(Compression::Zstd) => Box::new(zstd::stream::read::Decoder::new(raw)?),
    };
    let (head, reader) = peek(reader, HEAD);
    let utf16 = utf16_bom(&head).or_else(|| utf16_without_bom(&head));
    let text_head = match utf16 {
        Some(enc) => utf8_of_utf16(&head, enc),
        None => head,
    };
    if let Err(refusal) = check_text(&text_head) {
        return Ok(Err(refusal));
    }
    let content = format_of_content(&text_head);
    let format = match (forced.or(named), content) {
        // A JSON document of one array (often named .json) is no JSON lines.
        (Some(Format::JsonLines), Err(Refusal::JsonArray)) => return Ok(Err(Refusal::JsonArray)),
        // `.ndjson` and `.json` files of FHIR resources are read as FHIR.
        (Some(Format::JsonLines), Ok(Format::Fhir)) if forced.is_none() => Format::Fhir,
        (Some(f), _) => f,
        (None, Ok(f)) => f,
        (None, Err(refusal)) => return Ok(Err(refusal)),
    };
    let reader: Box<dyn BufRead + Send> = match (format, utf16) {
        // A text note is decoded whole, with its map back to the bytes.
        (Format::Text, _) => Box::new(BufReader::with_capacity(1 << 16, reader)),
        (_, None) => {
            let mut r = BufReader::with_capacity(1 << 16, reader);
            // A byte-order mark would spoil the first line or header.
            if r.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
                r.consume(3);
            }
            Box::new(r)
        }
        (_, Some(enc)) => Box::new(BufReader::with_capacity(
            1 << 16,
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(match enc {
                    Decoding::Utf16Be => encoding_rs::UTF_16BE,
                    _ => encoding_rs::UTF_16LE,
                }))
                .bom_override(true)
                .strip_bom(true)
                .build(reader),
        )),
    };
    Ok(Ok(Opened {
        format,
        utf16,
        reader,
    }))
}

/// The UTF-8 of a UTF-16 head (to judge its content).
fn utf8_of_utf16(head: &[u8], enc: Decoding) -> Vec<u8> {
    let coding = match enc {
        Decoding::Utf16Be => encoding_rs::UTF_16BE,
        _ => encoding_rs::UTF_16LE,
    };
    coding
        .decode_with_bom_removal(head)
        .0
        .into_owned()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_give_formats_and_unknown_names_give_none() {
        let f = |n: &str| format_of_name(Path::new(n));
        assert_eq!(f("a/notes.jsonl.gz"), Some(Format::JsonLines));
        assert_eq!(f("x.NDJSON.zst"), Some(Format::JsonLines));
        assert_eq!(f("x.tsv"), Some(Format::Tsv));
        assert_eq!(f("x.txt"), Some(Format::Text));
        assert_eq!(f("export.gz"), None);
        assert_eq!(f("63"), None);
        assert_eq!(f("x.bz2"), None);
    }

    #[test]
    fn magic_bytes_give_compression_or_a_refusal() {
        assert_eq!(compression_of(b"\x1f\x8b\x08"), Ok(Compression::Gzip));
        assert_eq!(compression_of(b"\x28\xb5\x2f\xfd"), Ok(Compression::Zstd));
        assert_eq!(
            compression_of(b"BZh91AY"),
            Err(Refusal::Compression("bzip2"))
        );
        assert!(compression_of(b"PK\x03\x04").is_err());
        assert_eq!(
            compression_of(b"\xFD7zXZ\x00"),
            Err(Refusal::Compression("xz"))
        );
        assert_eq!(
            compression_of(b"7z\xBC\xAF\x27\x1C"),
            Err(Refusal::Compression("7-Zip"))
        );
        assert_eq!(compression_of(b"{\"id\"").unwrap(), Compression::None);
    }

    #[test]
    fn content_gives_the_format() {
        assert_eq!(
            format_of_content(b"\xEF\xBB\xBF {\"id\":1}"),
            Ok(Format::JsonLines)
        );
        assert_eq!(format_of_content(b"id\ttext\n1\tC7-T1"), Ok(Format::Tsv));
        assert_eq!(
            format_of_content(b"id,text,billed\r\n1,x,y"),
            Ok(Format::Csv)
        );
        assert_eq!(format_of_content(b"[{\"id\":1}]"), Err(Refusal::JsonArray));
        assert_eq!(format_of_content(b"MSH|^~\\&|"), Ok(Format::Hl7));
        assert_eq!(
            format_of_content(b"{\"resourceType\":\"Claim\",\"id\":\"c1\"}"),
            Ok(Format::Fhir)
        );
        assert_eq!(
            format_of_content(b"Assessment: neck pain, better with rest, worse at night."),
            Err(Refusal::Unknown)
        );
    }

    #[test]
    fn note_text_is_not_a_plausible_header() {
        assert!(plausible_header(&["id", "text", "billed_codes"]));
        assert!(!plausible_header(&[
            "1",
            "Patient reports chronic neck pain at C7-T1 for months"
        ]));
        assert!(!plausible_header(&[
            "n1",
            "C7-T1 pain; MRI: facet arthropathy"
        ]));
    }

    #[test]
    fn binary_content_is_refused() {
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
            .collect();
        assert!(check_text(&noise).is_err());
        for doc in [
            &b"%PDF-1.7 ..."[..],
            b"\x89PNG\r\n",
            b"\xFF\xD8\xFF\xE0",
            b"\xD0\xCF\x11\xE0",
        ] {
            assert!(check_text(doc).is_err());
        }
        assert!(check_text(
            "Assessment: C7\u{2013}T1 facet syndrome.\n"
                .repeat(10)
                .as_bytes()
        )
        .is_ok());
    }
}

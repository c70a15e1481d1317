//! Attachments that are not plain text: HTML and RTF read as the text a
//! reader sees, with an [`OffsetMap`] from that text back to the bytes of
//! the attachment (so evidence offsets stay bytes of the decoded
//! attachment, whatever the markup around them).
//!
//! HTML: tags and comments go; `script` and `style` contents go; block
//! tags (`p`, `div`, `br`, `li`, `tr`, headings ...) end a line; character
//! references (`&amp;`, `&#233;`, `&#xE9;`, the common named ones) are
//! decoded. RTF: control words and symbols go, `\par` and `\line` end a
//! line, `\tab` is a tab, `\'hh` is a Windows-1252 byte, `\uN` a Unicode
//! character (its fallback character skipped); font, colour and style
//! tables, pictures and `{\*...}` destinations are skipped.

use crate::io::decode::{windows_1252, OffsetMap};

/// Plain text and the map back to the markup's bytes.
pub struct Plain {
    /// The text.
    pub text: String,
    /// Text offsets to markup offsets.
    pub offsets: OffsetMap,
}

/// Builds a text from pieces of a source, keeping the anchors.
struct Builder {
    text: String,
    anchors: Vec<(usize, usize)>,
}

impl Builder {
    fn new(capacity: usize) -> Self {
        Builder {
            text: String::with_capacity(capacity),
            anchors: vec![(0, 0)],
        }
    }

    /// Appends `s`, which stands for the source bytes starting at `from`.
    fn push(&mut self, s: &str, from: usize) {
        let at = self.text.len();
        let in_step = self.anchors.last().map(|&(t, o)| o + (at - t) == from);
        if in_step != Some(true) {
            self.anchors.push((at, from));
        }
        self.text.push_str(s);
    }

    /// A line break standing for the markup at `from`, unless the text
    /// already ends a line.
    fn line(&mut self, from: usize) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.push("\n", from);
        }
    }

    fn finish(self) -> Plain {
        Plain {
            text: self.text,
            offsets: OffsetMap::from_anchors(self.anchors),
        }
    }
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "ul",
    "ol",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "dt",
    "dd",
    "hr",
    "blockquote",
    "title",
];

/// The text of an HTML document.
pub fn html_to_text(html: &str) -> Plain {
    let mut out = Builder::new(html.len());
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' => i = html_tag(html, i, &mut out),
            b'&' => {
                let (s, n) = entity(&html[i..]);
                out.push(&s, i);
                i += n;
            }
            _ => {
                let end = memchr::memchr2(b'<', b'&', &b[i..]).map_or(b.len(), |p| i + p);
                out.push(&html[i..end], i);
                i = end;
            }
        }
    }
    out.finish()
}

/// Skips the tag (or comment) at `i`, ending a line for block tags and
/// skipping the contents of `script` and `style`; returns where the text
/// goes on.
fn html_tag(html: &str, i: usize, out: &mut Builder) -> usize {
    let rest = &html[i..];
    if rest.starts_with("<!--") {
        return rest.find("-->").map_or(html.len(), |p| i + p + 3);
    }
    let Some(close) = rest.find('>') else {
        return html.len();
    };
    let inner = rest[1..close].trim_start_matches('/');
    let name: String = inner
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let after = i + close + 1;
    if (name == "script" || name == "style") && !rest[1..].starts_with('/') {
        let end_tag = format!("</{name}");
        let lower = html[after..].to_ascii_lowercase();
        return lower.find(&end_tag).map_or(html.len(), |p| {
            let tail = after + p;
            html[tail..].find('>').map_or(html.len(), |q| tail + q + 1)
        });
    }
    if BLOCK_TAGS.contains(&name.as_str()) {
        out.line(i);
    } else if (name == "td" || name == "th")
        && !out.text.ends_with(['\n', ' ', '\t'])
        && !out.text.is_empty()
    {
        out.push(" ", i);
    }
    after
}

/// The character a reference at the start of `s` stands for, and its
/// length; a lone `&` stands for itself.
fn entity(s: &str) -> (String, usize) {
    let end = s[1..].find(';').map(|p| p + 1).filter(|&p| p <= 10);
    let Some(end) = end else {
        return ("&".into(), 1);
    };
    let body = &s[1..end];
    let ch = if let Some(num) = body.strip_prefix('#') {
        let n = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse().ok(),
        };
        n.and_then(char::from_u32)
    } else {
        match body {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            "ndash" => Some('–'),
            "mdash" => Some('—'),
            "deg" => Some('°'),
            "plusmn" => Some('±'),
            _ => None,
        }
    };
    match ch {
        Some(c) => (c.to_string(), end + 1),
        None => ("&".into(), 1),
    }
}

/// RTF destinations whose text is not the document's.
const SKIPPED: &[&str] = &[
    "fonttbl",
    "colortbl",
    "stylesheet",
    "info",
    "pict",
    "header",
    "footer",
    "object",
    "listtable",
    "listoverridetable",
    "generator",
    "xmlnstbl",
    "rsidtbl",
    "themedata",
    "datastore",
];

/// The text of an RTF document (bytes: RTF is 7-bit with escapes).
pub fn rtf_to_text(rtf: &[u8]) -> Plain {
    let mut out = Builder::new(rtf.len());
    // Depth of each open group and whether it is skipped.
    let mut skip_stack: Vec<bool> = vec![false];
    let mut skip_chars = 0usize;
    let mut i = 0;
    while i < rtf.len() {
        let skipping = *skip_stack.last().unwrap_or(&false);
        match rtf[i] {
            b'{' => {
                skip_stack.push(skipping);
                i += 1;
            }
            b'}' => {
                if skip_stack.len() > 1 {
                    skip_stack.pop();
                }
                i += 1;
            }
            b'\\' => {
                let (word, arg, n) = control(&rtf[i..]);
                let at = i;
                i += n;
                if word == "*" {
                    if let Some(top) = skip_stack.last_mut() {
                        *top = true;
                    }
                    continue;
                }
                if SKIPPED.contains(&word.as_str()) {
                    if let Some(top) = skip_stack.last_mut() {
                        *top = true;
                    }
                    continue;
                }
                if skipping {
                    continue;
                }
                match word.as_str() {
                    "par" | "line" | "row" | "sect" | "page" => out.push("\n", at),
                    "tab" | "cell" => out.push("\t", at),
                    "'" => {
                        let c = arg.map_or('?', |v| windows_1252(v as u8));
                        if skip_chars > 0 {
                            skip_chars -= 1;
                        } else {
                            out.push(c.encode_utf8(&mut [0; 4]), at);
                        }
                    }
                    "u" => {
                        let v = arg.unwrap_or(63);
                        let v = if v < 0 { v + 65536 } else { v } as u32;
                        let c = char::from_u32(v).unwrap_or('\u{fffd}');
                        out.push(c.encode_utf8(&mut [0; 4]), at);
                        skip_chars = 1;
                    }
                    "\\" | "{" | "}" => out.push(&word, at + 1),
                    "~" => out.push(" ", at),
                    "-" | "_" => out.push("-", at),
                    _ => {}
                }
            }
            b'\r' | b'\n' => i += 1,
            _ => {
                let end = rtf[i..]
                    .iter()
                    .position(|&c| matches!(c, b'\\' | b'{' | b'}' | b'\r' | b'\n'))
                    .map_or(rtf.len(), |p| i + p);
                if !skipping {
                    let mut from = i;
                    if skip_chars > 0 {
                        from += 1;
                        skip_chars = 0;
                    }
                    push_bytes(&mut out, rtf, from, end);
                }
                i = end;
            }
        }
    }
    out.finish()
}

/// Appends RTF source bytes `from..end` as text: ASCII runs as they are,
/// every other byte as its Windows-1252 character anchored at its byte (a
/// character of several UTF-8 bytes stands for one source byte).
fn push_bytes(out: &mut Builder, rtf: &[u8], from: usize, end: usize) {
    let mut run = from;
    for i in from..end {
        if !rtf[i].is_ascii() {
            if run < i {
                out.push(std::str::from_utf8(&rtf[run..i]).expect("ASCII"), run);
            }
            out.push(windows_1252(rtf[i]).encode_utf8(&mut [0; 4]), i);
            run = i + 1;
        }
    }
    if run < end {
        out.push(std::str::from_utf8(&rtf[run..end]).expect("ASCII"), run);
    }
}

/// The control word or symbol at the start of `s` (which starts with a
/// backslash): its name, its numeric argument, and its length (the space
/// that ends a control word included).
fn control(s: &[u8]) -> (String, Option<i32>, usize) {
    let Some(&c) = s.get(1) else {
        return (String::new(), None, 1);
    };
    if c == b'\'' {
        let hex = s.get(2..4).and_then(|h| std::str::from_utf8(h).ok());
        let v = hex.and_then(|h| i32::from_str_radix(h, 16).ok());
        return ("'".into(), v, if v.is_some() { 4 } else { 2 });
    }
    if !c.is_ascii_alphabetic() {
        return ((c as char).to_string(), None, 2);
    }
    let mut n = 1;
    while n < s.len() && s[n].is_ascii_alphabetic() && n < 33 {
        n += 1;
    }
    let word = String::from_utf8_lossy(&s[1..n]).into_owned();
    let num_start = n;
    if n < s.len() && s[n] == b'-' {
        n += 1;
    }
    while n < s.len() && s[n].is_ascii_digit() && n - num_start < 11 {
        n += 1;
    }
    let arg = std::str::from_utf8(&s[num_start..n])
        .ok()
        .and_then(|t| t.parse().ok());
    if n < s.len() && s[n] == b' ' {
        n += 1;
    }
    (word, arg, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character of the text maps to the markup byte it came from.
    fn check_map(p: &Plain, src: &[u8], word: &str) {
        let at = p.text.find(word).expect("word in text");
        let o = p.offsets.original(at);
        assert_eq!(&src[o..o + word.len()], word.as_bytes());
    }

    #[test]
    fn html_text_and_offsets() {
        let html = "<html><head><style>p{x}</style></head><body><p>Assessment: C7&ndash;T1 <b>facet</b> syndrome &amp; pain</p><!-- C5 --><div>MRI: no disc herniation</div><script>var C6=1;</script></body></html>";
        let p = html_to_text(html);
        assert_eq!(
            p.text,
            "Assessment: C7–T1 facet syndrome & pain\nMRI: no disc herniation\n"
        );
        check_map(&p, html.as_bytes(), "facet");
        check_map(&p, html.as_bytes(), "MRI: no disc");
        check_map(&p, html.as_bytes(), "pain");
    }

    #[test]
    fn rtf_text_and_offsets() {
        let rtf = br"{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\colortbl;\red0;}\f0\fs20 Assessment: C7-T1 facet syndrome, non-degenerative.\par MRI: no disc herniation\'2c caf\'e9 \u8211? ok\par{\*\generator Word;}}";
        let p = rtf_to_text(rtf);
        assert_eq!(
            p.text,
            "Assessment: C7-T1 facet syndrome, non-degenerative.\nMRI: no disc herniation, café – ok\n"
        );
        check_map(&p, rtf, "facet syndrome");
        check_map(&p, rtf, "MRI: no disc");
    }

    #[test]
    fn rtf_bytes_beyond_ascii_keep_their_offsets() {
        // Found by the markup fuzz target: a Windows-1252 byte in a text
        // run became a character of two UTF-8 bytes, and the map ran ahead
        // of the source by one byte for each.
        let rtf = b"{\\rtf1 caf\xe9 \xe9t\xe9 C7-T1 facet syndrome.}";
        let p = rtf_to_text(rtf);
        assert_eq!(p.text, "café été C7-T1 facet syndrome.");
        check_map(&p, rtf, "C7-T1 facet");
        let last = p.text.char_indices().last().unwrap().0;
        assert_eq!(p.offsets.original(last), rtf.len() - 2);
    }

    #[test]
    fn broken_markup_ends_cleanly() {
        for s in ["<p", "&#99999999;", "<script>", "&", "<!-- x"] {
            let _ = html_to_text(s);
        }
        for s in [&b"{\\"[..], b"\\'", b"\\u-", b"}}}{", b"\\'zz"] {
            let _ = rtf_to_text(s);
        }
        assert_eq!(html_to_text("a &#99999999; b").text, "a &#99999999; b");
    }
}

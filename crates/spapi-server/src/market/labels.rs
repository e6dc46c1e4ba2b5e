//! Shipping labels as real documents: PDF, PNG and ZPL in the requested size and resolution,
//! with the tracking number as a Code 128 barcode (and as text where the format carries text),
//! and PDF documents of plain lines (collection forms, packing slips).
//!
//! Pure functions: the APIs decide where the bytes go (inline base64, or a stored document).

use std::io::Write;

/// A label's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/pdf`.
    Pdf,
    /// `image/png`.
    Png,
    /// ZPL II text (`application/zpl`).
    Zpl,
}

impl Format {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Pdf => "application/pdf",
            Format::Png => "image/png",
            Format::Zpl => "application/zpl",
        }
    }
}

/// What goes on a label.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelContent {
    /// Carrier display name.
    pub carrier: String,
    /// Service display name.
    pub service: String,
    /// The tracking number (the barcode).
    pub tracking_id: String,
    /// Ship-from lines.
    pub from: Vec<String>,
    /// Ship-to lines.
    pub to: Vec<String>,
    /// A reference printed on the label (order id, custom text).
    pub reference: Option<String>,
    /// Billed weight text (`1.20 kg`).
    pub weight: String,
}

/// Page size and resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Size {
    /// Width, inches.
    pub width_in: f64,
    /// Length (height), inches.
    pub length_in: f64,
    /// Dots per inch (PNG and ZPL).
    pub dpi: u32,
}

impl Default for Size {
    fn default() -> Self {
        Size {
            width_in: 4.0,
            length_in: 6.0,
            dpi: 203,
        }
    }
}

/// Renders a label.
pub fn render(format: Format, size: Size, c: &LabelContent) -> Vec<u8> {
    match format {
        Format::Pdf => pdf_label(size, c),
        Format::Png => png_label(size, c),
        Format::Zpl => zpl_label(size, c).into_bytes(),
    }
}

// Code 128 module widths (bar, space, bar, space, bar, space) of values 0..=105, and the stop
// pattern: the public symbology table.
const CODE128: [&str; 106] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232",
];
const CODE128_STOP: &str = "2331112";
const START_B: usize = 104;

/// The Code 128 (code set B) modules of `text`: `true` for a bar module. Characters outside
/// printable ASCII are encoded as `?`.
pub fn code128(text: &str) -> Vec<bool> {
    let values: Vec<usize> = text
        .chars()
        .map(|c| {
            if (' '..='~').contains(&c) {
                c as usize - 32
            } else {
                '?' as usize - 32
            }
        })
        .collect();
    let mut check = START_B;
    for (i, v) in values.iter().enumerate() {
        check += (i + 1) * v;
    }
    let mut symbols = vec![CODE128[START_B]];
    symbols.extend(values.iter().map(|v| CODE128[*v]));
    symbols.push(CODE128[check % 103]);
    symbols.push(CODE128_STOP);
    let mut out = Vec::new();
    for s in symbols {
        for (i, w) in s.bytes().enumerate() {
            for _ in 0..(w - b'0') {
                out.push(i % 2 == 0);
            }
        }
    }
    out
}

/// Decodes Code 128 (set B) modules back to text, checking start, checksum and stop: the
/// inverse of [`code128`], for tests and for reading labels back.
pub fn decode_code128(modules: &[bool]) -> Option<String> {
    // Run lengths.
    let mut runs = Vec::new();
    let mut i = 0;
    while i < modules.len() {
        let v = modules[i];
        let mut n = 0;
        while i < modules.len() && modules[i] == v {
            n += 1;
            i += 1;
        }
        runs.push(n);
    }
    if runs.len() < 6 + 6 + 7 {
        return None;
    }
    let body = &runs[..runs.len() - 7];
    let stop: String = runs[runs.len() - 7..]
        .iter()
        .map(|n| n.to_string())
        .collect();
    if stop != CODE128_STOP {
        return None;
    }
    let mut values = Vec::new();
    for chunk in body.chunks(6) {
        let pat: String = chunk.iter().map(|n| n.to_string()).collect();
        values.push(CODE128.iter().position(|p| *p == pat)?);
    }
    if values.first() != Some(&START_B) || values.len() < 2 {
        return None;
    }
    let check = values.pop()?;
    let data = &values[1..];
    let mut sum = START_B;
    for (i, v) in data.iter().enumerate() {
        sum += (i + 1) * v;
    }
    (sum % 103 == check).then(|| data.iter().map(|v| char::from(*v as u8 + 32)).collect())
}

fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
        .collect()
}

/// The ZPL II program of a label.
pub fn zpl_label(size: Size, c: &LabelContent) -> String {
    let dots = |inches: f64| (inches * size.dpi as f64).round() as i64;
    // ^ and ~ start commands in ZPL: never inside field data.
    let field = |s: &str| ascii(s).replace(['^', '~'], " ");
    let scale = size.dpi as i64 / 203;
    let scale = scale.max(1);
    let mut z = String::new();
    z.push_str("^XA\n^CI28\n");
    z.push_str(&format!(
        "^PW{}\n^LL{}\n",
        dots(size.width_in),
        dots(size.length_in)
    ));
    z.push_str(&format!(
        "^FO{},{}^GB{},{},3^FS\n",
        10 * scale,
        10 * scale,
        dots(size.width_in) - 20 * scale,
        dots(size.length_in) - 20 * scale
    ));
    let mut y = 30 * scale;
    let mut line = |z: &mut String, text: &str, h: i64| {
        z.push_str(&format!(
            "^FO{},{}^A0N,{},{}^FD{}^FS\n",
            30 * scale,
            y,
            h * scale,
            h * scale,
            field(text)
        ));
        y += (h + 8) * scale;
    };
    line(&mut z, &format!("{} - {}", c.carrier, c.service), 30);
    line(&mut z, "FROM:", 22);
    for l in &c.from {
        line(&mut z, l, 22);
    }
    line(&mut z, "SHIP TO:", 28);
    for l in &c.to {
        line(&mut z, l, 32);
    }
    line(&mut z, &format!("WEIGHT: {}", c.weight), 22);
    if let Some(r) = &c.reference {
        line(&mut z, &format!("REF: {r}"), 22);
    }
    z.push_str(&format!(
        "^FO{},{}^BY{},3,{}^BCN,{},Y,N,N^FD{}^FS\n",
        30 * scale,
        y + 20 * scale,
        2 * scale,
        160 * scale,
        160 * scale,
        field(&c.tracking_id)
    ));
    z.push_str("^XZ\n");
    z
}

/// A one-page PDF of `lines` (font size, text) from the top, and filled rectangles
/// (x, y, w, h in points from the bottom left), on a page of `width_pt` by `height_pt`.
pub fn pdf(
    width_pt: f64,
    height_pt: f64,
    lines: &[(f64, String)],
    rects: &[(f64, f64, f64, f64)],
) -> Vec<u8> {
    let mut page = crate::market::pdf::Page::new(width_pt, height_pt);
    page.lines(18.0, height_pt - 24.0, lines);
    for (x, y, w, h) in rects {
        page.rect(*x, *y, *w, *h);
    }
    crate::market::pdf::document("label", &[page])
}

fn pdf_label(size: Size, c: &LabelContent) -> Vec<u8> {
    let (w, h) = (size.width_in * 72.0, size.length_in * 72.0);
    let mut lines = vec![(12.0, format!("{} - {}", c.carrier, c.service))];
    lines.push((8.0, "FROM:".into()));
    lines.extend(c.from.iter().map(|l| (8.0, l.clone())));
    lines.push((10.0, "SHIP TO:".into()));
    lines.extend(c.to.iter().map(|l| (11.0, l.clone())));
    lines.push((8.0, format!("WEIGHT: {}", c.weight)));
    if let Some(r) = &c.reference {
        lines.push((8.0, format!("REF: {r}")));
    }
    lines.push((10.0, format!("TRACKING #: {}", c.tracking_id)));
    let mut page = crate::market::pdf::Page::new(w, h);
    page.lines(18.0, h - 24.0, &lines);
    page.code128(18.0, 24.0, w - 36.0, (h * 0.18).min(90.0), &c.tracking_id);
    crate::market::pdf::document("label", &[page])
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for b in data {
        crc ^= *b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A PNG of 8-bit grey pixels (`width` by `rows.len()`).
pub fn png(width: u32, rows: &[Vec<u8>]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(rows.len() * (width as usize + 1));
    for r in rows {
        raw.push(0);
        raw.extend_from_slice(r);
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = z.write_all(&raw);
    let data = z.finish().unwrap_or_default();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], body: &[u8]| {
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        let mut c = kind.to_vec();
        c.extend_from_slice(body);
        out.extend_from_slice(&c);
        out.extend_from_slice(&crc32(&c).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&(rows.len() as u32).to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(b"IHDR", &ihdr);
    chunk(b"IDAT", &data);
    chunk(b"IEND", &[]);
    out
}

/// Reads back the grey rows of a PNG written by [`png`] (8-bit grey, filter 0): width and
/// rows, for tests and checks.
pub fn read_png(bytes: &[u8]) -> Option<(u32, Vec<Vec<u8>>)> {
    use std::io::Read;
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return None;
    }
    let mut i = 8;
    let (mut w, mut h) = (0u32, 0u32);
    let mut idat = Vec::new();
    while i + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[i..i + 4].try_into().ok()?) as usize;
        let kind = &bytes[i + 4..i + 8];
        let body = bytes.get(i + 8..i + 8 + len)?;
        match kind {
            b"IHDR" => {
                w = u32::from_be_bytes(body.get(0..4)?.try_into().ok()?);
                h = u32::from_be_bytes(body.get(4..8)?.try_into().ok()?);
            }
            b"IDAT" => idat.extend_from_slice(body),
            _ => {}
        }
        i += 12 + len;
    }
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .ok()?;
    let stride = w as usize + 1;
    let rows = (0..h as usize)
        .map(|r| {
            raw.get(r * stride + 1..(r + 1) * stride)
                .map(|s| s.to_vec())
        })
        .collect::<Option<Vec<_>>>()?;
    Some((w, rows))
}

/// The row of a PNG label where its barcode is read (a third of the way from the bottom).
pub fn png_barcode_row(height: usize) -> usize {
    height - height / 6
}

fn png_label(size: Size, c: &LabelContent) -> Vec<u8> {
    let w = (size.width_in * size.dpi as f64)
        .round()
        .clamp(50.0, 4000.0) as usize;
    let h = (size.length_in * size.dpi as f64)
        .round()
        .clamp(50.0, 6000.0) as usize;
    let mut rows = vec![vec![255u8; w]; h];
    // A frame, a band for the service, blocks standing for the address lines.
    let border = (size.dpi as usize / 50).max(2);
    for (y, row) in rows.iter_mut().enumerate() {
        for (x, px) in row.iter_mut().enumerate() {
            if x < border || y < border || x >= w - border || y >= h - border {
                *px = 0;
            }
        }
    }
    let band = h / 12;
    for row in rows.iter_mut().take(band + border).skip(border) {
        for px in row.iter_mut().take(w - border).skip(border) {
            *px = 0;
        }
    }
    let line_h = (h / 40).max(4);
    let mut y = band + line_h * 2;
    for l in c.from.iter().chain(c.to.iter()) {
        let len = (l.chars().count() * w / 60).min(w - 4 * border);
        for row in rows.iter_mut().skip(y).take(line_h * 2 / 3) {
            for px in row.iter_mut().skip(border * 4).take(len) {
                *px = 96;
            }
        }
        y += line_h;
    }
    // The barcode, centred, around the read row.
    let modules = code128(&c.tracking_id);
    let quiet = 10;
    let module = ((w.saturating_sub(2 * border)) / (modules.len() + 2 * quiet)).max(1);
    let left = (w.saturating_sub(modules.len() * module)) / 2;
    let mid = png_barcode_row(h);
    let bar_h = h / 8;
    for row in rows
        .iter_mut()
        .take((mid + bar_h / 2).min(h - border))
        .skip(mid - bar_h / 2)
    {
        for (i, m) in modules.iter().enumerate() {
            if *m {
                for px in row.iter_mut().skip(left + i * module).take(module) {
                    *px = 0;
                }
            }
        }
    }
    png(w as u32, &rows)
}

/// Reads the barcode of a PNG label made by [`render`] back to its text.
pub fn read_png_barcode(bytes: &[u8]) -> Option<String> {
    let (_, rows) = read_png(bytes)?;
    let row = rows.get(png_barcode_row(rows.len()))?;
    // Trim the frame and quiet zones; find the module width from the first bar.
    let dark: Vec<bool> = row.iter().map(|p| *p < 128).collect();
    let border = dark.iter().position(|d| !d)?;
    let inner = &dark[border..dark.len() - border];
    let start = inner.iter().position(|d| *d)?;
    let end = inner.iter().rposition(|d| *d)? + 1;
    let bars = &inner[start..end];
    // The start symbol begins with a bar of two modules.
    let first = bars.iter().position(|d| !d)?;
    let module = (first / 2).max(1);
    let modules: Vec<bool> = bars.iter().step_by(module).cloned().collect();
    decode_code128(&modules)
}

/// Gzip of `data` (MFN sends labels as base64 of gzip).
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut z = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = z.write_all(data);
    z.finish().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> LabelContent {
        LabelContent {
            carrier: "UPS".into(),
            service: "UPS Ground".into(),
            tracking_id: "1Z999AA10123456784".into(),
            from: vec!["Shop".into(), "1 Main St".into()],
            to: vec!["Jane (Doe)".into(), "2 Side St".into()],
            reference: Some("111-2222222-3333333".into()),
            weight: "1.00 kg".into(),
        }
    }

    #[test]
    fn the_code128_table_is_sound() {
        for p in CODE128 {
            assert_eq!(p.bytes().map(|b| (b - b'0') as u32).sum::<u32>(), 11, "{p}");
        }
        let mut sorted = CODE128.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 106);
        for t in ["1Z999AA10123456784", "TBA123", "a b~"] {
            assert_eq!(decode_code128(&code128(t)).as_deref(), Some(t));
        }
    }

    #[test]
    fn labels_in_every_format_carry_the_tracking_number() {
        let c = content();
        for dpi in [203, 300] {
            let size = Size {
                dpi,
                ..Size::default()
            };
            let png = render(Format::Png, size, &c);
            let (w, rows) = read_png(&png).unwrap();
            assert_eq!(w, 4 * dpi);
            assert_eq!(rows.len() as u32, 6 * dpi);
            assert_eq!(
                read_png_barcode(&png).as_deref(),
                Some(c.tracking_id.as_str())
            );
        }
        let pdf = render(Format::Pdf, Size::default(), &c);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.4") && text.ends_with("%%EOF\n"));
        assert!(text.contains("1Z999AA10123456784") && text.contains("Jane \\(Doe\\)"));
        let zpl = String::from_utf8(render(Format::Zpl, Size::default(), &c)).unwrap();
        assert!(zpl.starts_with("^XA") && zpl.trim_end().ends_with("^XZ"));
        assert!(zpl.contains("^BCN") && zpl.contains("^FD1Z999AA10123456784^FS"));
        assert!(zpl.contains("^PW812") && zpl.contains("^LL1218"));
    }
}

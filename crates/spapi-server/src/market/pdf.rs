//! The one PDF writer of the world's documents (shipping, inbound and AWD labels, Brazilian
//! invoices): pages of text (Helvetica) and barcodes (Code 39, Code 128) drawn as filled
//! rectangles. Enough for a label a scanner reads and a viewer shows; no fonts are embedded
//! (Helvetica is one of the 14 standard fonts every reader has).

use std::fmt::Write as _;

/// One page under construction; units are PDF points (1/72 in), origin bottom left.
#[derive(Debug, Default, Clone)]
pub struct Page {
    width: f64,
    height: f64,
    ops: String,
}

impl Page {
    /// A blank page of `width` x `height` points.
    pub fn new(width: f64, height: f64) -> Self {
        Page {
            width,
            height,
            ops: String::new(),
        }
    }

    /// The page's height (to lay out from the top).
    pub fn height(&self) -> f64 {
        self.height
    }

    /// Text at (`x`, `y`) in Helvetica of `size` points.
    pub fn text(&mut self, x: f64, y: f64, size: f64, text: &str) {
        let escaped: String = text
            .chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() {
                    c
                } else {
                    '?'
                }
            })
            .flat_map(|c| match c {
                '(' | ')' | '\\' => vec!['\\', c],
                c => vec![c],
            })
            .collect();
        let _ = writeln!(
            self.ops,
            "BT /F1 {size:.1} Tf {x:.2} {y:.2} Td ({escaped}) Tj ET"
        );
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        let _ = writeln!(self.ops, "{x:.2} {y:.2} {w:.2} {h:.2} re f");
    }

    /// A Code 128 barcode of `data` (see `market::labels::code128`) filling `width` at most
    /// (modules of at most 1.5 points), `height` tall, from (`x`, `y`).
    pub fn code128(&mut self, x: f64, y: f64, width: f64, height: f64, data: &str) {
        let modules = crate::market::labels::code128(data);
        let module = (width / modules.len().max(1) as f64).min(1.5);
        let mut at = x;
        for dark in modules {
            if dark {
                self.rect(at, y, module, height);
            }
            at += module;
        }
    }

    /// Lines of text from the top of the page down, at `x`, each (font size, text) with a gap
    /// of 5 points; the `y` below the last line.
    pub fn lines(&mut self, x: f64, top: f64, lines: &[(f64, String)]) -> f64 {
        let mut y = top;
        for (size, text) in lines {
            self.text(x, y, *size, text);
            y -= size + 5.0;
        }
        y
    }

    /// An outlined rectangle (a label's border).
    pub fn frame(&mut self, x: f64, y: f64, w: f64, h: f64) {
        let _ = writeln!(self.ops, "0.8 w {x:.2} {y:.2} {w:.2} {h:.2} re S");
    }

    /// `data` as a Code 39 barcode (with its start and stop characters) at (`x`, `y`), `width`
    /// wide and `height` high; characters Code 39 cannot carry are left out.
    pub fn code39(&mut self, x: f64, y: f64, width: f64, height: f64, data: &str) {
        let mut pattern = String::new();
        let chars: Vec<char> = std::iter::once('*')
            .chain(data.chars().map(|c| c.to_ascii_uppercase()))
            .chain(std::iter::once('*'))
            .collect();
        for c in chars {
            if let Some(p) = code39_pattern(c) {
                pattern.push_str(p);
                pattern.push('n');
            }
        }
        // Wide elements are 3 narrow ones.
        let units: f64 = pattern
            .chars()
            .map(|c| if c == 'w' { 3.0 } else { 1.0 })
            .sum();
        let unit = width / units.max(1.0);
        let mut at = x;
        for (i, c) in pattern.chars().enumerate() {
            let w = if c == 'w' { 3.0 * unit } else { unit };
            // Elements alternate bar, space, bar ... within each character; the gap after a
            // character is a space, so every even position of the whole pattern is a bar.
            if i % 2 == 0 {
                self.rect(at, y, w, height);
            }
            at += w;
        }
    }
}

/// The nine elements (bar, space, bar, ...) of a Code 39 character: `n` narrow, `w` wide.
fn code39_pattern(c: char) -> Option<&'static str> {
    const TABLE: &[(char, &str)] = &[
        ('0', "nnnwwnwnn"),
        ('1', "wnnwnnnnw"),
        ('2', "nnwwnnnnw"),
        ('3', "wnwwnnnnn"),
        ('4', "nnnwwnnnw"),
        ('5', "wnnwwnnnn"),
        ('6', "nnwwwnnnn"),
        ('7', "nnnwnnwnw"),
        ('8', "wnnwnnwnn"),
        ('9', "nnwwnnwnn"),
        ('A', "wnnnnwnnw"),
        ('B', "nnwnnwnnw"),
        ('C', "wnwnnwnnn"),
        ('D', "nnnnwwnnw"),
        ('E', "wnnnwwnnn"),
        ('F', "nnwnwwnnn"),
        ('G', "nnnnnwwnw"),
        ('H', "wnnnnwwnn"),
        ('I', "nnwnnwwnn"),
        ('J', "nnnnwwwnn"),
        ('K', "wnnnnnnww"),
        ('L', "nnwnnnnww"),
        ('M', "wnwnnnnwn"),
        ('N', "nnnnwnnww"),
        ('O', "wnnnwnnwn"),
        ('P', "nnwnwnnwn"),
        ('Q', "nnnnnnwww"),
        ('R', "wnnnnnwwn"),
        ('S', "nnwnnnwwn"),
        ('T', "nnnnwnwwn"),
        ('U', "wwnnnnnnw"),
        ('V', "nwwnnnnnw"),
        ('W', "wwwnnnnnn"),
        ('X', "nwnnwnnnw"),
        ('Y', "wwnnwnnnn"),
        ('Z', "nwwnwnnnn"),
        ('-', "nwnnnnwnw"),
        ('.', "wwnnnnwnn"),
        (' ', "nwwnnnwnn"),
        ('*', "nwnnwnwnn"),
        ('$', "nwnwnwnnn"),
        ('/', "nwnwnnnwn"),
        ('+', "nwnnnwnwn"),
        ('%', "nnnwnwnwn"),
    ];
    TABLE.iter().find(|(k, _)| *k == c).map(|(_, p)| *p)
}

/// The PDF document of `pages`, with a `title` in its information dictionary.
pub fn document(title: &str, pages: &[Page]) -> Vec<u8> {
    let mut objects: Vec<String> = vec![];
    // 1: catalog, 2: pages, 3: font, 4: info, then per page: page, content.
    let n = pages.len();
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 5 + 2 * i)).collect();
    objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
    objects.push(format!(
        "<< /Type /Pages /Kids [{}] /Count {n} >>",
        kids.join(" ")
    ));
    objects.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".into());
    let clean: String = title
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || " -_.".contains(*c))
        .collect();
    objects.push(format!("<< /Title ({clean}) /Producer (spapi) >>"));
    for (i, p) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {:.2} {:.2}] \
             /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
            p.width,
            p.height,
            6 + 2 * i
        ));
        objects.push(format!(
            "<< /Length {} >>\nstream\n{}endstream",
            p.ops.len(),
            p.ops
        ));
    }
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = vec![];
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for off in offsets {
        let _ = writeln!(table, "{off:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R /Info 4 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    out.extend_from_slice(table.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_has_its_pages_and_a_valid_cross_reference_table() {
        let mut p = Page::new(288.0, 432.0);
        p.text(10.0, 400.0, 12.0, "FBA15ABC (box 1)");
        p.code39(10.0, 300.0, 260.0, 60.0, "FBA15ABCU000001");
        let pdf = document("labels", &[p.clone(), p]);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.4"));
        assert!(text.contains("/Count 2"));
        assert!(text.contains("(FBA15ABC \\(box 1\\)) Tj"));
        let at: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        // Offsets count bytes (the binary comment of the header is not UTF-8).
        assert!(pdf[at..].starts_with(b"xref"));
    }
}

//! Tab-separated report files as Amazon writes them: a header row of Amazon's column names,
//! then one row per record; tabs and line breaks inside values become spaces.

use crate::market::documents::DocumentWriter;
use crate::store::StoreError;

/// Bytes buffered before they go to the document writer.
const BUFFER: usize = 64 * 1024;

/// A TSV writer over a document.
pub struct Tsv<'w> {
    w: &'w mut DocumentWriter,
    buf: String,
    width: usize,
}

impl<'w> Tsv<'w> {
    /// Starts a file with `header`.
    pub async fn new(w: &'w mut DocumentWriter, header: &[&str]) -> Result<Self, StoreError> {
        let mut t = Tsv {
            w,
            buf: String::new(),
            width: header.len(),
        };
        t.row(header).await?;
        Ok(t)
    }

    /// Appends a row (as many values as the header has columns).
    pub async fn row<S: AsRef<str>>(&mut self, values: &[S]) -> Result<(), StoreError> {
        debug_assert_eq!(values.len(), self.width);
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.buf.push('\t');
            }
            for c in v.as_ref().chars() {
                self.buf.push(if matches!(c, '\t' | '\n' | '\r') {
                    ' '
                } else {
                    c
                });
            }
        }
        // Amazon's flat files end lines with CRLF... except where they do not; LF is what the
        // common clients split on either way.
        self.buf.push('\n');
        if self.buf.len() >= BUFFER {
            self.w.write(self.buf.as_bytes()).await?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes what is buffered.
    pub async fn finish(self) -> Result<(), StoreError> {
        if !self.buf.is_empty() {
            self.w.write(self.buf.as_bytes()).await?;
        }
        Ok(())
    }
}

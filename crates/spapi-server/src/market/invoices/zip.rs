//! A ZIP archive of stored (uncompressed) entries: local headers, the central directory and its
//! end record, CRC-32 per entry. Enough for any unzip tool; no ZIP64 (an invoice export stays
//! far below 4 GiB and 65,535 files).

/// A ZIP archive being written in memory.
#[derive(Debug, Default)]
pub struct ZipWriter {
    out: Vec<u8>,
    central: Vec<u8>,
    entries: u16,
}

/// MS-DOS time and date of a UTC instant.
fn dos_time(t: jiff::Timestamp) -> (u16, u16) {
    let dt = jiff::tz::TimeZone::UTC.to_datetime(t);
    let time = ((dt.hour() as u16) << 11) | ((dt.minute() as u16) << 5) | (dt.second() as u16 / 2);
    let year = (dt.year().clamp(1980, 2107) - 1980) as u16;
    let date = (year << 9) | ((dt.month() as u16) << 5) | dt.day() as u16;
    (time, date)
}

impl ZipWriter {
    /// An empty archive.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file `name` with `data`, modified at `at`. `false` when the archive is full
    /// (65,535 entries or 4 GiB).
    pub fn add(&mut self, name: &str, data: &[u8], at: jiff::Timestamp) -> bool {
        let offset = self.out.len();
        if self.entries == u16::MAX
            || offset + data.len() + 2 * name.len() + 200 > u32::MAX as usize
        {
            return false;
        }
        let mut crc = flate2::Crc::new();
        crc.update(data);
        let crc = crc.sum();
        let (time, date) = dos_time(at);
        let size = data.len() as u32;
        let name_len = name.len() as u16;
        // Bit 11: the name is UTF-8.
        let flags: u16 = 0x0800;
        let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
        let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
        // Local file header.
        le32(&mut self.out, 0x0403_4b50);
        le16(&mut self.out, 20);
        le16(&mut self.out, flags);
        le16(&mut self.out, 0); // stored
        le16(&mut self.out, time);
        le16(&mut self.out, date);
        le32(&mut self.out, crc);
        le32(&mut self.out, size);
        le32(&mut self.out, size);
        le16(&mut self.out, name_len);
        le16(&mut self.out, 0);
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(data);
        // Its central directory record.
        let c = &mut self.central;
        le32(c, 0x0201_4b50);
        le16(c, 20);
        le16(c, 20);
        le16(c, flags);
        le16(c, 0);
        le16(c, time);
        le16(c, date);
        le32(c, crc);
        le32(c, size);
        le32(c, size);
        le16(c, name_len);
        le16(c, 0); // extra
        le16(c, 0); // comment
        le16(c, 0); // disk
        le16(c, 0); // internal attributes
        le32(c, 0); // external attributes
        le32(c, offset as u32);
        c.extend_from_slice(name.as_bytes());
        self.entries += 1;
        true
    }

    /// The archive's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        let cd_offset = self.out.len() as u32;
        let cd_size = self.central.len() as u32;
        self.out.extend_from_slice(&self.central);
        let o = &mut self.out;
        o.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        o.extend_from_slice(&0u16.to_le_bytes());
        o.extend_from_slice(&0u16.to_le_bytes());
        o.extend_from_slice(&self.entries.to_le_bytes());
        o.extend_from_slice(&self.entries.to_le_bytes());
        o.extend_from_slice(&cd_size.to_le_bytes());
        o.extend_from_slice(&cd_offset.to_le_bytes());
        o.extend_from_slice(&0u16.to_le_bytes());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_layout() {
        let mut z = ZipWriter::new();
        let at = jiff::Timestamp::from_second(1_700_000_000).unwrap();
        assert!(z.add("a.xml", b"<a/>", at));
        assert!(z.add("b.xml", b"", at));
        let bytes = z.finish();
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        let eocd = bytes.len() - 22;
        assert_eq!(&bytes[eocd..eocd + 4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([bytes[eocd + 10], bytes[eocd + 11]]), 2);
        // CRC-32 of "<a/>" (IEEE).
        let mut crc = flate2::Crc::new();
        crc.update(b"<a/>");
        assert_eq!(&bytes[14..18], &crc.sum().to_le_bytes());
    }
}

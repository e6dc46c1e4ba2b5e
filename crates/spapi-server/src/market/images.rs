//! Product images: the JPEGs behind the `link`s of catalog items, served by spapi itself.
//!
//! At Amazon an item's images live on an image host (`m.media-amazon.com`); spapi serves them
//! on its own port under [`PATH_PREFIX`], outside the SP-API pipeline (no access token, no
//! usage plan), as a public image host does. An image's id names the ASIN and the image
//! variant (`B0ABCDEFGH.MAIN`), as Amazon's ASIN-based image URLs do, and may carry Amazon's
//! size modifier (`B0ABCDEFGH.MAIN._SL75_`: longest side 75 px). The file is
//! `{PATH_PREFIX}/{id}.jpg`.
//!
//! The catalog stores links relative to the host (`/spapi-images/...`); the APIs make them
//! absolute with the server's public base when they answer ([`absolute_link`]), so a world
//! keeps working when the server moves to another port or host.
//!
//! The picture is made up, the same for the same id: a plain colour derived from the ASIN
//! with a simple pattern per variant, at the size the catalog record gives the variant. Sizes
//! are capped at [`MAX_SIDE`], so no id makes spapi allocate a large picture. `http::images`
//! serves them, encoding on a blocking thread.

use crate::error::Result;
use crate::store::Store;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Where image links live on spapi's port.
pub const PATH_PREFIX: &str = "/spapi-images";
/// The largest side of a served image, px (Amazon's large MAIN variant is 1000 px or so).
pub const MAX_SIDE: u32 = 1000;

/// The host-relative link of an item's image variant (`/spapi-images/B0ABCDEFGH.MAIN.jpg`).
pub fn image_path(asin: &str, variant: &str) -> String {
    format!("{PATH_PREFIX}/{asin}.{variant}.jpg")
}

/// The host-relative link of an item's image variant scaled so its longest side is `side` px
/// (Amazon's `._SL{side}_` modifier).
pub fn scaled_image_path(asin: &str, variant: &str, side: u32) -> String {
    format!("{PATH_PREFIX}/{asin}.{variant}._SL{side}_.jpg")
}

/// A stored image link as clients see it: links relative to the host (spapi's own images)
/// start with `public_base` (`http://host:port`); other links are kept as they are.
pub fn absolute_link(public_base: &str, link: &str) -> String {
    if link.starts_with('/') {
        format!("{}{link}", public_base.trim_end_matches('/'))
    } else {
        link.to_string()
    }
}

/// An image file name taken apart: ASIN, variant and the requested longest side, if any.
/// `None` for anything that is not one of spapi's image names.
pub fn parse_file_name(name: &str) -> Option<(&str, &str, Option<u32>)> {
    let stem = name.strip_suffix(".jpg")?;
    let (id, side) = match stem.split_once("._SL") {
        Some((id, modifier)) => {
            let digits = modifier.strip_suffix('_')?;
            if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return None;
            }
            let side: u32 = digits.parse().ok()?;
            if !(1..=MAX_SIDE).contains(&side) {
                return None;
            }
            (id, Some(side))
        }
        None => (stem, None),
    };
    let (asin, variant) = id.split_once('.')?;
    let upper_alnum = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    if asin.len() != 10 || !upper_alnum(asin) {
        return None;
    }
    if variant.is_empty() || variant.len() > 8 || !upper_alnum(variant) {
        return None;
    }
    Some((asin, variant, side))
}

/// The size to draw: the record's size, scaled to `side` when asked, within [`MAX_SIDE`].
/// `None` when the record has no usable size.
pub fn served_size(width: u64, height: u64, side: Option<u32>) -> Option<(u32, u32)> {
    if width == 0 || height == 0 || width > 100_000 || height > 100_000 {
        return None;
    }
    let longest = width.max(height);
    let target = match side {
        Some(side) => u64::from(side.min(MAX_SIDE)),
        None => longest.min(u64::from(MAX_SIDE)),
    };
    let scale = |v: u64| ((v * target + longest / 2) / longest).max(1) as u32;
    Some((scale(width), scale(height)))
}

fn digest(label: &str) -> [u8; 32] {
    Sha256::digest(label.as_bytes()).into()
}

/// A colour for an ASIN: a hue from its hash, mid saturation and lightness (product-like).
fn asin_colour(asin: &str) -> [u8; 3] {
    let d = digest(asin);
    let hue = f32::from(u16::from_be_bytes([d[0], d[1]])) / 65536.0 * 6.0;
    let (s, l) = (0.55f32, 0.45f32);
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - (hue % 2.0 - 1.0).abs());
    let (r, g, b) = match hue as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [to(r), to(g), to(b)]
}

/// The RGB pixels of an image: a light background with the product's colour drawn in a
/// pattern of the variant (MAIN: a centred block, like a product shot on white; alternates:
/// stripes, a checkerboard or a frame).
pub fn render_rgb(asin: &str, variant: &str, width: u32, height: u32) -> Vec<u8> {
    let colour = asin_colour(asin);
    let background = [248u8, 248, 248];
    let shade = colour.map(|v| (u16::from(v) * 3 / 4) as u8);
    let kind = digest(&format!("{asin}:{variant}"))[0] % 3;
    let (w, h) = (width.max(1), height.max(1));
    let cell = (w.min(h) / 8).max(1);
    let mut out = Vec::with_capacity(w as usize * h as usize * 3);
    for y in 0..h {
        for x in 0..w {
            let px = if variant == "MAIN" {
                let inside = x > w / 5 && x < w - w / 5 && y > h / 5 && y < h - h / 5;
                let edge = inside && (x < w / 5 + cell / 2 || y < h / 5 + cell / 2);
                if edge {
                    shade
                } else if inside {
                    colour
                } else {
                    background
                }
            } else {
                let on = match kind {
                    0 => ((x + y) / cell) % 2 == 0,
                    1 => (x / cell + y / cell) % 2 == 0,
                    _ => x < cell || y < cell || x >= w - cell || y >= h - cell,
                };
                if on { colour } else { background }
            };
            out.extend_from_slice(&px);
        }
    }
    out
}

/// The JPEG of an image (baseline, quality 85).
pub fn render_jpeg(asin: &str, variant: &str, width: u32, height: u32) -> Option<Vec<u8>> {
    let (w, h) = (width.clamp(1, MAX_SIDE), height.clamp(1, MAX_SIDE));
    let pixels = render_rgb(asin, variant, w, h);
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 85)
        .encode(&pixels, w as u16, h as u16, jpeg_encoder::ColorType::Rgb)
        .ok()?;
    Some(out)
}

/// The (width, height) of `variant` among the image entries of a stored catalog document
/// (`[{variant, link, height, width}]`).
fn stored_variant(images: &Value, variant: &str) -> Option<(u64, u64)> {
    images.as_array()?.iter().find_map(|i| {
        (i.get("variant")?.as_str()? == variant)
            .then(|| Some((i.get("width")?.as_u64()?, i.get("height")?.as_u64()?)))
            .flatten()
    })
}

/// The image a file name asks for, at the size it is served: `(asin, variant, width, height)`,
/// or `None` when the item, the variant or the size does not exist.
pub async fn find(store: &Store, file: &str) -> Result<Option<(String, String, u32, u32)>> {
    let Some((asin, variant, side)) = parse_file_name(file) else {
        return Ok(None);
    };
    let Some(item) = store.get_catalog_item(asin).await? else {
        return Ok(None);
    };
    let fallback;
    let images = match item.doc.get("images") {
        Some(i) => i,
        None => {
            fallback = super::catalog::images_for(asin);
            &fallback
        }
    };
    let Some((width, height)) = stored_variant(images, variant) else {
        return Ok(None);
    };
    Ok(
        served_size(width, height, side)
            .map(|(w, h)| (asin.to_string(), variant.to_string(), w, h)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            parse_file_name("B0ABCDEFGH.MAIN.jpg"),
            Some(("B0ABCDEFGH", "MAIN", None))
        );
        assert_eq!(
            parse_file_name("B0ABCDEFGH.PT01._SL75_.jpg"),
            Some(("B0ABCDEFGH", "PT01", Some(75)))
        );
        for bad in [
            "B0ABCDEFGH.MAIN",
            "B0ABCDEFGH.jpg",
            "b0abcdefgh.MAIN.jpg",
            "B0ABCDEFGH.MAIN._SL0_.jpg",
            "B0ABCDEFGH.MAIN._SL99999_.jpg",
            "B0ABCDEFGH.MAIN._SL1001_.jpg",
            "B0ABCDEFGH.MAIN._SL_.jpg",
            "B0ABCDEFGHI.MAIN.jpg",
            "B0ABCDEFGH.TOOLONGVARIANT.jpg",
            "../etc.MAIN.jpg",
            "",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn sizes_are_capped_and_scaled() {
        assert_eq!(served_size(1000, 1000, None), Some((1000, 1000)));
        assert_eq!(served_size(500, 400, None), Some((500, 400)));
        assert_eq!(served_size(1000, 500, Some(75)), Some((75, 38)));
        assert_eq!(served_size(4000, 2000, None), Some((1000, 500)));
        assert_eq!(served_size(0, 10, None), None);
    }

    #[test]
    fn jpegs_are_deterministic_and_framed() {
        let a = render_jpeg("B0ABCDEFGH", "MAIN", 40, 30).unwrap();
        let b = render_jpeg("B0ABCDEFGH", "MAIN", 40, 30).unwrap();
        assert_eq!(a, b);
        assert_eq!(&a[..2], &[0xFF, 0xD8]);
        assert_eq!(&a[a.len() - 2..], &[0xFF, 0xD9]);
        assert_ne!(a, render_jpeg("B0ZZZZZZZZ", "MAIN", 40, 30).unwrap());
    }
}

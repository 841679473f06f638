//! Greyscale PNG images (QR symbols, G6.2) through the `png` crate.

/// Encodes `pixels` (row-major, one byte per pixel) as an 8-bit greyscale PNG.
pub fn greyscale(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    // Encoding into memory fails only for a size mismatch, which the
    // callers here rule out (the buffer is `width × height` bytes).
    let mut writer = encoder
        .write_header()
        .expect("a PNG header for a valid size");
    writer
        .write_image_data(pixels)
        .expect("pixels of width × height bytes");
    writer.finish().expect("the PNG is finished in memory");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_image_decodes_back_to_its_pixels() {
        let pixels: Vec<u8> = (0..6 * 4)
            .map(|i| if i % 3 == 0 { 0 } else { 255 })
            .collect();
        let bytes = greyscale(6, 4, &pixels);
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut back = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut back).unwrap();
        assert_eq!((info.width, info.height), (6, 4));
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(&back[..info.buffer_size()], &pixels[..]);
    }
}

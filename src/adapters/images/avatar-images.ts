/**
 * The contacts module's AvatarImages port over sharp (libvips): uploaded images decoded under bounds,
 * resized and re-encoded, their metadata dropped.
 */
import type { AvatarImages } from '../../modules/contacts';

/** Longest an avatar may take to decode, resize and encode (a 40-megapixel photo takes about 1 s). */
const PROCESSING_SECONDS = 10;

export const avatarImages: AvatarImages = {
  async normalise(bytes, spec) {
    // Loaded on first use: the image library takes ≈ 18 MB of memory, for a feature many servers never use.
    const { default: sharp } = await import('sharp');
    const options = {
      // Decoder errors, truncation included, refuse the image. Mere warnings (common in camera JPEGs) do
      // not: the pixels are re-encoded anyway, nothing of the original file is kept.
      failOn: 'error',
      // Also enforced by libvips itself while decoding, as a second guard behind the header check below.
      limitInputPixels: spec.maxPixels,
      // Only the first frame of an animated GIF or WEBP is read.
      pages: 1,
    } as const;

    // The header alone: the dimensions it declares, no pixel decoded yet.
    let width: number;
    let height: number;
    try {
      const meta = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
      width = meta.width;
      height = meta.height;
    } catch {
      return { outcome: 'undecodable' };
    }
    if (!(width > 0 && height > 0)) return { outcome: 'undecodable' };
    if (width * height > spec.maxPixels) return { outcome: 'too_many_pixels', width, height };

    try {
      // sharp keeps no metadata (EXIF, ICC, XMP) in its output unless asked with keepMetadata/withMetadata.
      const data = await sharp(bytes, options)
        .autoOrient()
        .resize(spec.size, spec.size, { fit: 'cover' })
        .webp({ quality: spec.webpQuality })
        // A crafted file that decodes slowly within the pixel bound stops here instead of holding one
        // of libvips' threads (shared by every request) for as long as it likes.
        .timeout({ seconds: PROCESSING_SECONDS })
        .toBuffer();
      return { outcome: 'normalised', data };
    } catch {
      return { outcome: 'undecodable' };
    }
  },
};

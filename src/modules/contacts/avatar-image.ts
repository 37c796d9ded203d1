import { AppError } from '../../kernel/errors';

/** The side of the square every stored avatar is resized to, in pixels. */
export const AVATAR_SIZE = 256;

/**
 * Largest image, in pixels (width × height of one frame), that is decoded. A small file can declare
 * huge dimensions (a decompression bomb: a 30000×30000 PNG of one colour fits in the upload limit
 * but decodes to gigabytes), so the size is judged from the header before any pixel is decoded.
 */
export const AVATAR_MAX_PIXELS = 40_000_000;

const refusedAsCorrupt = () =>
  new AppError(
    'unsupported_file_type',
    'The avatar could not be decoded: the image is truncated or corrupt.',
  );

/**
 * Turns an uploaded avatar (already checked by its first bytes to be JPEG, PNG, GIF or WEBP) into the
 * image that is stored: turned upright by its EXIF orientation, cropped to the centre and resized to a
 * square of AVATAR_SIZE pixels, the first frame only of an animated GIF or WEBP, encoded as WEBP.
 *
 * All metadata is dropped (sharp keeps none unless asked): EXIF can hold the GPS position where the
 * photo was taken, the time, the camera's serial number and the like — personal data about the contact
 * or whoever took the picture that the platform has no use for and must not keep.
 *
 * Throws AppError `validation_failed` for an image of more than AVATAR_MAX_PIXELS, and
 * `unsupported_file_type` for one that does not decode (truncated or corrupt behind valid magic bytes).
 */
export async function normaliseAvatar(bytes: Buffer): Promise<Buffer> {
  // Loaded on first use: the image library takes ≈ 18 MB of memory, for a feature many servers never use.
  const { default: sharp } = await import('sharp');
  const options = {
    // Decoder errors, truncation included, refuse the image. Mere warnings (common in camera JPEGs) do
    // not: the pixels are re-encoded anyway, nothing of the original file is kept.
    failOn: 'error',
    // Also enforced by libvips itself while decoding, as a second guard behind the header check below.
    limitInputPixels: AVATAR_MAX_PIXELS,
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
    throw refusedAsCorrupt();
  }
  if (!(width > 0 && height > 0)) throw refusedAsCorrupt();
  if (width * height > AVATAR_MAX_PIXELS) {
    const detail = `An avatar may be at most ${AVATAR_MAX_PIXELS / 1_000_000} megapixels; this one is ${width}×${height}.`;
    throw new AppError('validation_failed', detail, { errors: [{ path: '/body/file', message: detail }] });
  }

  try {
    return await sharp(bytes, options)
      .autoOrient()
      .resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover' })
      .webp({ quality: 80 })
      .toBuffer();
  } catch {
    throw refusedAsCorrupt();
  }
}

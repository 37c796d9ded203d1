import { AppError } from '../../kernel/errors';

/** The side of the square every stored avatar is resized to, in pixels. */
export const AVATAR_SIZE = 256;

/**
 * Largest image, in pixels (width × height of one frame), that is decoded. A small file can declare
 * huge dimensions (a decompression bomb: a 30000×30000 PNG of one colour fits in the upload limit
 * but decodes to gigabytes), so the size is judged from the header before any pixel is decoded.
 */
export const AVATAR_MAX_PIXELS = 40_000_000;

/** What an uploaded avatar is turned into, and how big an image is decoded at all. */
export interface AvatarImageSpec {
  /** Largest width × height of one frame that is decoded (judged from the header first). */
  maxPixels: number;
  /** The side of the square the image is cropped and resized to, in pixels. */
  size: number;
  /** The quality of the WEBP encoding, 1–100. */
  webpQuality: number;
}

/** How turning one uploaded image into an avatar went. */
export type AvatarImageResult =
  | { outcome: 'normalised'; data: Buffer }
  /** The header declares a frame of more than `maxPixels`: refused before any pixel is decoded. */
  | { outcome: 'too_many_pixels'; width: number; height: number }
  /** The image does not decode: truncated or corrupt behind valid magic bytes, or no dimensions. */
  | { outcome: 'undecodable' };

/**
 * The image library the contacts module needs for avatars (implemented in src/adapters/images, given by
 * main.ts). The image comes from a client, so it is treated as hostile.
 */
export interface AvatarImages {
  /**
   * Reads the dimensions from the header alone and refuses a frame of more than `spec.maxPixels` before
   * any pixel is decoded (the decoder enforces the bound too); then decodes the first frame only of an
   * animated GIF or WEBP, refusing on decoder errors (truncation included) but not on mere warnings,
   * turns it upright by its EXIF orientation, crops it to the centre and resizes it to a square of
   * `spec.size` pixels, and encodes it as WEBP without any metadata.
   */
  normalise(bytes: Buffer, spec: AvatarImageSpec): Promise<AvatarImageResult>;
}

const AVATAR_SPEC: AvatarImageSpec = { maxPixels: AVATAR_MAX_PIXELS, size: AVATAR_SIZE, webpQuality: 80 };

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
 * All metadata is dropped: EXIF can hold the GPS position where the photo was taken, the time, the
 * camera's serial number and the like — personal data about the contact or whoever took the picture
 * that the platform has no use for and must not keep.
 *
 * Throws AppError `validation_failed` for an image of more than AVATAR_MAX_PIXELS, and
 * `unsupported_file_type` for one that does not decode (truncated or corrupt behind valid magic bytes).
 */
export async function normaliseAvatar(images: AvatarImages, bytes: Buffer): Promise<Buffer> {
  const result = await images.normalise(bytes, AVATAR_SPEC);
  if (result.outcome === 'normalised') return result.data;
  if (result.outcome === 'undecodable') throw refusedAsCorrupt();
  const detail = `An avatar may be at most ${AVATAR_MAX_PIXELS / 1_000_000} megapixels; this one is ${result.width}×${result.height}.`;
  throw new AppError('validation_failed', detail, { errors: [{ path: '/body/file', message: detail }] });
}

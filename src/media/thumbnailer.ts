import type Sharp from 'sharp';

let sharpModule: Promise<typeof Sharp> | undefined;

/**
 * Loads sharp on the first thumbnail, so a server that renders none does not pay for it: with
 * libvips it adds 27 MB of resident memory (measured with bench/import-cost.mjs).
 */
function loadSharp(): Promise<typeof Sharp> {
  return (sharpModule ??= import('sharp').then((module) => module.default));
}

export type ThumbnailMethod = 'crop' | 'scale';

export interface ThumbnailSize {
  width: number;
  height: number;
  method: ThumbnailMethod;
}

/**
 * The sizes Lattice generates, from the spec's list of suggested thumbnail sizes. A request gets
 * the smallest one of its method that is at least as large, so each file has at most five
 * thumbnails and a client cannot make the server render arbitrary sizes.
 */
export const THUMBNAIL_SIZES: readonly ThumbnailSize[] = [
  { width: 32, height: 32, method: 'crop' },
  { width: 96, height: 96, method: 'crop' },
  { width: 320, height: 240, method: 'scale' },
  { width: 640, height: 480, method: 'scale' },
  { width: 800, height: 600, method: 'scale' },
];

/** Raster types sharp decodes. SVG is left out, since rendering it would run librsvg on untrusted markup. */
const THUMBNAILABLE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif']);

/** Synapse's default `max_image_pixels`: larger images are not decoded, so a small file cannot expand into gigabytes. */
const MAX_IMAGE_PIXELS = 32_000_000;

/** The source cannot be thumbnailed: not an image, a broken one, or one with too many pixels. */
export class ThumbnailError extends Error {
  constructor(message: string, readonly reason: 'unsupported' | 'too_large', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ThumbnailError';
  }
}

/**
 * Picks the generated size that serves a request for `width` x `height` with `method`. A crop
 * larger than the largest crop size is served scaled, which the spec allows since the method is
 * a preference.
 */
export function chooseThumbnailSize(width: number, height: number, method: ThumbnailMethod): ThumbnailSize {
  const fits = (size: ThumbnailSize) => size.width >= width && size.height >= height;
  const sameMethod = THUMBNAIL_SIZES.find((size) => size.method === method && fits(size));
  if (sameMethod) return sameMethod;
  const scaled = THUMBNAIL_SIZES.filter((size) => size.method === 'scale');
  return scaled.find(fits) ?? scaled[scaled.length - 1]!;
}

export function isThumbnailable(contentType: string | undefined): boolean {
  return contentType !== undefined && THUMBNAILABLE_TYPES.has(baseType(contentType));
}

/**
 * Renders a thumbnail. `scale` fits the image inside the box keeping its aspect ratio; `crop` fills
 * the box and cuts the overflow from the centre. Neither enlarges a smaller image. JPEG sources
 * give JPEG thumbnails and every other type gives PNG, which keeps transparency.
 */
export async function renderThumbnail(source: Buffer, contentType: string, size: ThumbnailSize): Promise<{ bytes: Buffer; contentType: string }> {
  const asJpeg = baseType(contentType) === 'image/jpeg';
  // Outside the try: a sharp that fails to load is a fault of this server, not of the image.
  const sharp = await loadSharp();
  try {
    const pipeline = sharp(source, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: size.width, height: size.height, fit: size.method === 'crop' ? 'cover' : 'inside', withoutEnlargement: true });
    const bytes = asJpeg ? await pipeline.jpeg({ quality: 80, mozjpeg: true }).toBuffer() : await pipeline.png().toBuffer();
    return { bytes, contentType: asJpeg ? 'image/jpeg' : 'image/png' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) throw new ThumbnailError('The image has too many pixels to thumbnail.', 'too_large', { cause: error });
    throw new ThumbnailError('The file could not be decoded as an image.', 'unsupported', { cause: error });
  }
}

/** Returns the media type without parameters, lower-cased. */
export function baseType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

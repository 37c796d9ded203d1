import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../helpers/fake-clock';
import { multipart } from '../helpers/multipart';
import { DIALECTS } from '../helpers/storage';
import { signup, startTestSystem, type TestSystem } from '../helpers/system';

type Rgb = readonly [number, number, number];
const RED: Rgb = [255, 0, 0];
const BLUE: Rgb = [0, 0, 255];
const GREEN: Rgb = [0, 255, 0];

/** Raw RGB pixels, `colourAt(x, y)` each. */
function pixels(width: number, height: number, colourAt: (x: number, y: number) => Rgb) {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(colourAt(x, y), (y * width + x) * 3);
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

/** The same PNG declaring other dimensions in its IHDR (CRC fixed): a decompression bomb's header. */
function withDeclaredSize(png: Buffer, width: number, height: number): Buffer {
  const bomb = Buffer.from(png);
  bomb.writeUInt32BE(width, 16);
  bomb.writeUInt32BE(height, 20);
  bomb.writeUInt32BE(crc32(bomb.subarray(12, 29)), 29);
  return bomb;
}

/** The colour of one pixel of an image, and its metadata. */
async function decoded(image: Buffer) {
  const meta = await sharp(image).metadata();
  const { data, info } = await sharp(image).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number): number[] => [
    ...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3),
  ];
  return { meta, at };
}

/** Within the loss of a WEBP encoding of a flat colour. */
function expectColour(actual: number[], expected: Rgb) {
  expect(
    actual.map((c, i) => Math.abs(c - (expected[i] ?? 0)) <= 24),
    `${actual} ≈ ${expected}`,
  ).toEqual([true, true, true]);
}

const COPYRIGHT = 'smsgate-test-exif-marker';

describe.each(DIALECTS)('contact avatars on %s', (dialect) => {
  let ts: TestSystem;
  /** 1200×800: a 200 px red strip on the left, a green one on the right, blue between. */
  let landscape: Buffer;
  /** 600×400 as stored, top half red, bottom half blue, EXIF orientation 6 (shown turned 90° clockwise) and a GPS position. */
  let rotated: Buffer;
  /** Three frames: red, blue, green. */
  let animated: Buffer;
  /** About 3 MiB of noise: above the old 1 MiB limit, below the new 5 MiB one. */
  let large: Buffer;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
    landscape = await pixels(1200, 800, (x) => (x < 200 ? RED : x < 1000 ? BLUE : GREEN))
      .png()
      .toBuffer();
    rotated = await pixels(600, 400, (_, y) => (y < 200 ? RED : BLUE))
      .jpeg()
      .withExif({
        IFD0: { Copyright: COPYRIGHT },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '56/1 57/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '24/1 6/1 0/1',
        },
      })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const frames = await Promise.all(
      [RED, BLUE, GREEN].map((c) =>
        pixels(40, 30, () => c)
          .raw()
          .toBuffer(),
      ),
    );
    animated = await sharp(Buffer.concat(frames), {
      raw: { width: 40, height: 90, channels: 3, pageHeight: 30 },
    })
      .gif({ delay: [100, 100, 100] })
      .toBuffer();
    large = await sharp(randomBytes(1000 * 1000 * 3), { raw: { width: 1000, height: 1000, channels: 3 } })
      .png({ compressionLevel: 1 })
      .toBuffer();
  });
  afterAll(async () => {
    await ts?.close();
  });

  const send = (headers: Record<string, string>, id: string, data: Buffer, fileName = 'me.png') => {
    const body = multipart({ name: 'file', fileName, contentType: 'image/png', data });
    return ts.app.inject({
      method: 'POST',
      url: `/v1/contacts/${id}/avatar`,
      headers: { ...headers, ...body.headers },
      payload: body.payload,
    });
  };
  const storedFile = (id: string) => join(ts.config.DATA_DIR, 'files', 'avatars', id);
  const stored = (id: string) => existsSync(storedFile(id));
  const newContact = async (headers: Record<string, string>, phone: string) =>
    (await ts.app.inject({ method: 'POST', url: '/v1/contacts', headers, payload: { phone } })).json()
      .id as string;
  const avatarUrlOf = async (headers: Record<string, string>, id: string) =>
    (await ts.app.inject({ method: 'GET', url: `/v1/contacts/${id}`, headers })).json().avatarUrl;
  const served = (headers: Record<string, string>, id: string) =>
    ts.app.inject({ method: 'GET', url: `/v1/contacts/${id}/avatar`, headers });

  it('stores the image checked by content, resized to a 256×256 WEBP without metadata; serves and deletes it', async () => {
    const s = await signup(ts.app);
    const other = await signup(ts.app);
    const id = await newContact(s.headers, '+37121234567');

    const answer = await send(s.headers, id, landscape);
    expect(answer.statusCode, answer.body).toBe(200);
    // Only the resized image is stored: the answer describes it, and it is what is served.
    const file = readFileSync(storedFile(id));
    expect(answer.json()).toEqual({
      avatarUrl: `/v1/contacts/${id}/avatar`,
      contentType: 'image/webp',
      bytes: file.length,
    });
    expect(await avatarUrlOf(s.headers, id)).toBe(`/v1/contacts/${id}/avatar`);
    const image = await served(s.headers, id);
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/webp');
    expect(image.rawPayload.equals(file)).toBe(true);
    const { meta, at } = await decoded(image.rawPayload);
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 256, 256]);
    expect(meta.exif).toBeUndefined();
    // Cropped to the centre square (`cover`): the middle 800×800 of 1200×800 is all blue. Stretched
    // (`fill`) the left edge would be red and the right green; letterboxed (`contain`) the top and bottom
    // rows would be bars; cropped off-centre one edge would be red or green.
    for (const [x, y] of [
      [3, 128],
      [252, 128],
      [128, 3],
      [128, 252],
      [128, 128],
    ] as const) {
      expectColour(at(x, y), BLUE);
    }

    // Upright by EXIF orientation, and the EXIF (GPS position included) is not kept.
    const source = await sharp(rotated).metadata();
    expect([source.width, source.height, source.orientation]).toEqual([600, 400, 6]);
    expect(source.exif?.includes(COPYRIGHT)).toBe(true);
    expect((await send(s.headers, id, rotated, 'photo.jpg')).statusCode).toBe(200);
    const upright = await decoded((await served(s.headers, id)).rawPayload);
    expect([upright.meta.format, upright.meta.width, upright.meta.height]).toEqual(['webp', 256, 256]);
    expect(upright.meta.exif).toBeUndefined();
    expect(upright.meta.orientation).toBeUndefined();
    expect(readFileSync(storedFile(id)).includes(COPYRIGHT)).toBe(false);
    // Stored top red / bottom blue, turned 90° clockwise: blue on the left, red on the right (not
    // turned, the top would be red and the bottom blue).
    expectColour(upright.at(20, 20), BLUE);
    expectColour(upright.at(20, 236), BLUE);
    expectColour(upright.at(236, 20), RED);
    expectColour(upright.at(236, 236), RED);

    // An animated GIF keeps its first frame only.
    expect((await sharp(animated).metadata()).pages).toBe(3);
    expect((await send(s.headers, id, animated, 'wave.gif')).statusCode).toBe(200);
    const still = await decoded((await served(s.headers, id)).rawPayload);
    expect([still.meta.format, still.meta.width, still.meta.height, still.meta.pages ?? 1]).toEqual([
      'webp',
      256,
      256,
      1,
    ]);
    expectColour(still.at(128, 128), RED);

    // The limit is 5 MiB now that the upload itself is not kept.
    expect(large.length).toBeGreaterThan(2 * 1024 * 1024);
    const fromLarge = await send(s.headers, id, large);
    expect(fromLarge.statusCode, fromLarge.body).toBe(200);
    expect(fromLarge.json().bytes).toBe(readFileSync(storedFile(id)).length);

    const notMultipart = await ts.app.inject({
      method: 'POST',
      url: `/v1/contacts/${id}/avatar`,
      headers: s.headers,
      payload: { file: 'x' },
    });
    expect(notMultipart.statusCode).toBe(415);

    for (const [method, url] of [
      ['GET', `/v1/contacts/${id}/avatar`],
      ['DELETE', `/v1/contacts/${id}/avatar`],
    ] as const) {
      const r = await ts.app.inject({ method, url, headers: other.headers });
      expect(r.statusCode).toBe(404);
    }
    expect((await send(other.headers, id, landscape)).statusCode).toBe(404);

    const removed = await ts.app.inject({
      method: 'DELETE',
      url: `/v1/contacts/${id}/avatar`,
      headers: s.headers,
    });
    expect(removed.statusCode).toBe(204);
    expect((await served(s.headers, id)).statusCode).toBe(404);
    expect(stored(id)).toBe(false);
    expect(await avatarUrlOf(s.headers, id)).toBeNull();
  });

  it('refuses a decompression bomb, a truncated image, a disguised text file or too large a file; nothing is stored', async () => {
    const s = await signup(ts.app);
    // A truncated JPEG whose header still reads: only decoding it finds the fault.
    const truncated = rotated.subarray(0, rotated.length >> 1);
    expect((await sharp(truncated).metadata()).width).toBe(600);
    const refusals: [string, Buffer, number, string][] = [
      // 900 megapixels declared: past libvips' own default limit too.
      ['30000×30000 bomb', withDeclaredSize(landscape, 30000, 30000), 400, 'validation_failed'],
      // 100 megapixels: under libvips' default limit, past the avatar's 40.
      ['10000×10000 bomb', withDeclaredSize(landscape, 10000, 10000), 400, 'validation_failed'],
      ['JPEG cut in half', truncated, 415, 'unsupported_file_type'],
      ['text named .png', Buffer.from('<svg onload="alert(1)"/>'), 415, 'unsupported_file_type'],
      ['over 5 MiB', Buffer.concat([landscape, Buffer.alloc(5 * 1024 * 1024)]), 413, 'payload_too_large'],
    ];
    const expectRefusals = async (id: string) => {
      for (const [what, data, status, code] of refusals) {
        const r = await send(s.headers, id, data);
        expect(r.statusCode, `${what}: ${r.body}`).toBe(status);
        expect(r.headers['content-type'], what).toMatch(/^application\/problem\+json/);
        expect(r.json().code, what).toBe(code);
        if (code === 'validation_failed') {
          expect(r.json().errors, what).toEqual([
            { path: '/body/file', message: expect.stringMatching(/megapixels/) },
          ]);
        }
      }
    };

    const bare = await newContact(s.headers, '+37121234568');
    await expectRefusals(bare);
    expect(stored(bare)).toBe(false);
    expect(await avatarUrlOf(s.headers, bare)).toBeNull();

    // A contact with an avatar keeps it, unchanged.
    const withAvatar = await newContact(s.headers, '+37121234569');
    expect((await send(s.headers, withAvatar, landscape)).statusCode).toBe(200);
    const before = readFileSync(storedFile(withAvatar));
    await expectRefusals(withAvatar);
    expect(readFileSync(storedFile(withAvatar)).equals(before)).toBe(true);
    expect((await served(s.headers, withAvatar)).rawPayload.equals(before)).toBe(true);
    expect(await avatarUrlOf(s.headers, withAvatar)).toBe(`/v1/contacts/${withAvatar}/avatar`);
  });

  async function contactWithAvatar(headers: Record<string, string>, phone: string) {
    const id = await newContact(headers, phone);
    expect((await send(headers, id, landscape)).statusCode).toBe(200);
    expect(stored(id)).toBe(true);
    return id;
  }

  it('the image goes when the contact is erased for its data subject', async () => {
    const s = await signup(ts.app);
    const id = await contactWithAvatar(s.headers, '+37122223333');
    const erased = await ts.app.inject({
      method: 'POST',
      url: '/v1/privacy/subject-erasure',
      headers: s.headers,
      payload: { phone: '+37122223333' },
    });
    expect(erased.statusCode, erased.body).toBe(200);
    expect(stored(id)).toBe(false);
  });

  it('the image goes when a deleted contact is purged after the restore window', async () => {
    const s = await signup(ts.app);
    const id = await contactWithAvatar(s.headers, '+37122224444');
    const deleted = await ts.app.inject({ method: 'DELETE', url: `/v1/contacts/${id}`, headers: s.headers });
    expect(deleted.statusCode).toBe(204);
    ts.clock.advance(59 * DAY);
    await ts.system.services.retention.sweepOnce();
    expect(stored(id)).toBe(true);
    ts.clock.advance(2 * DAY);
    await ts.system.services.retention.sweepOnce();
    expect(stored(id)).toBe(false);
  });
});

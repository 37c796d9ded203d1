import { readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, crc32, deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readerThreadStats } from '../../src/adapters/imports';
import { multipart } from '../helpers/multipart';
import { DIALECTS } from '../helpers/storage';
import { type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';

// Hostile uploads, generated here (never stored as binaries): ZIP and CSV bombs against the import
// routes, malformed multipart bodies against every route that takes one. Each must end in a 4xx
// problem, leave the server's heap and temp folder as they were, and leave other accounts unaffected.

type Reply = {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
  json(): { code: string; requestId: unknown };
};

function expectProblem(r: Reply, status: number, code: string) {
  expect(r.statusCode, r.body.slice(0, 500)).toBe(status);
  expect(String(r.headers['content-type'])).toContain('application/problem+json');
  const body = r.json();
  expect(body.code).toBe(code);
  expect(typeof body.requestId).toBe('string');
  // Never a stack trace, whatever the parser said.
  expect(r.body).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\.ts:\d+|\.js:\d+/);
}

// ── ZIP building ────────────────────────────────────────────────────────────────────────────────

interface ZipInput {
  name: string;
  /** The entry's real content, or its pieces as {@link deflated} made them. */
  data: Buffer | Deflated;
  /** What the entry claims its size is once inflated (a liar's size); default the truth. */
  declaredSize?: number;
}

interface Deflated {
  packed: Buffer;
  size: number;
  crc: number;
}

/**
 * `head`, `body` repeated `times` and `tail`, deflated: each piece compressed once on its own (a full
 * flush makes it independent of what came before), so hundreds of MiB cost one MiB of compression.
 */
function deflated(head: string, body: Buffer, times: number, tail: string): Deflated {
  const flush = { level: 9, finishFlush: constants.Z_FULL_FLUSH };
  const one = deflateRawSync(body, flush);
  let crc = crc32(head);
  for (let i = 0; i < times; i++) crc = crc32(body, crc);
  crc = crc32(tail, crc);
  return {
    packed: Buffer.concat([
      deflateRawSync(Buffer.from(head), flush),
      ...Array.from({ length: times }, () => one),
      deflateRawSync(Buffer.from(tail), { level: 9 }),
    ]),
    size: Buffer.byteLength(head) + body.length * times + Buffer.byteLength(tail),
    crc,
  };
}

/** A ZIP archive, entries deflated in the order given, built by hand. */
function zip(inputs: ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of inputs) {
    const name = Buffer.from(e.name);
    const d = Buffer.isBuffer(e.data)
      ? { packed: deflateRawSync(e.data, { level: 9 }), size: e.data.length, crc: crc32(e.data) }
      : e.data;
    const packed = d.packed;
    const size = e.declaredSize ?? d.size;
    const crc = d.crc;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    central.push(cd, name);
    offset += 30 + name.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(inputs.length, 8);
  end.writeUInt16LE(inputs.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const MiB = 2 ** 20;
const XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** The parts every workbook has besides its sheet and shared strings. */
function skeleton(): ZipInput[] {
  return [
    {
      name: '[Content_Types].xml',
      data: Buffer.from(
        `${XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`,
      ),
    },
    {
      name: '_rels/.rels',
      data: Buffer.from(
        `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      ),
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: Buffer.from(
        `${XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="${REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>`,
      ),
    },
    {
      name: 'xl/workbook.xml',
      data: Buffer.from(
        `${XML}<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets><sheet name="Contacts" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      ),
    },
  ];
}

/** Shared strings `Phone`, `Name`, then one name per row; a sheet of `rows` rows using them. */
function contactParts(rows: number): { sheet: ZipInput; strings: ZipInput } {
  const si: string[] = ['<si><t>Phone</t></si>', '<si><t>Name</t></si>'];
  const sheetRows: string[] = ['<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'];
  for (let i = 0; i < rows; i++) {
    si.push(`<si><t>Person ${i}</t></si>`);
    const r = i + 2;
    sheetRows.push(
      `<row r="${r}"><c r="A${r}"><v>${37120000000 + i}</v></c><c r="B${r}" t="s"><v>${i + 2}</v></c></row>`,
    );
  }
  return {
    sheet: {
      name: 'xl/worksheets/sheet1.xml',
      data: Buffer.from(
        `${XML}<worksheet xmlns="${MAIN}"><sheetData>${sheetRows.join('')}</sheetData></worksheet>`,
      ),
    },
    strings: {
      name: 'xl/sharedStrings.xml',
      data: Buffer.from(
        `${XML}<sst xmlns="${MAIN}" count="${si.length}" uniqueCount="${si.length}">${si.join('')}</sst>`,
      ),
    },
  };
}

/** An honest workbook of `rows` contacts, its sheet before (as exceljs writes) or after its shared strings. */
function contactsWorkbook(rows: number, sheetFirst: boolean): Buffer {
  const { sheet, strings } = contactParts(rows);
  return zip([...skeleton(), ...(sheetFirst ? [sheet, strings] : [strings, sheet])]);
}

/**
 * Shared strings XML of about `megabytes` MiB compressing about 100-fold: blocks of distinct strings
 * (a real cache holds each one), the block repeated.
 */
function bigSharedStrings(megabytes: number): Deflated {
  const parts: string[] = [];
  for (let i = 0, length = 0; length < MiB; i++) {
    parts.push(`<si><t>${i.toString(36)}${'x'.repeat(200)}</t></si>`);
    length += parts[i]!.length;
  }
  const block = Buffer.from(parts.join(''));
  return deflated(
    `${XML}<sst xmlns="${MAIN}">`,
    block,
    Math.ceil((megabytes * MiB) / block.length),
    '</sst>',
  );
}

/** A workbook whose shared strings are `strings`, declared at `declaredSize` (default: honestly). */
function stringsBomb(strings: Deflated, declaredSize?: number, sheetFirst = false): Buffer {
  const { sheet } = contactParts(1);
  const sst: ZipInput = {
    name: 'xl/sharedStrings.xml',
    data: strings,
    ...(declaredSize !== undefined ? { declaredSize } : {}),
  };
  return zip([...skeleton(), ...(sheetFirst ? [sheet, sst] : [sst, sheet])]);
}

/** A workbook whose sheet inflates to `megabytes` MiB of whitespace while declaring `declared` bytes. */
function sheetBomb(megabytes: number, declared: number): Buffer {
  const { strings } = contactParts(1);
  const data = deflated(
    `${XML}<worksheet xmlns="${MAIN}"><sheetData>`,
    Buffer.alloc(MiB, 0x20),
    megabytes,
    '</sheetData></worksheet>',
  );
  return zip([...skeleton(), { name: 'xl/worksheets/sheet1.xml', data, declaredSize: declared }, strings]);
}

// ── temp files and memory ───────────────────────────────────────────────────────────────────────

/** The reader's private temp folders: named after the process, so parallel test files do not count. */
const READER_PREFIX = `smsgate-xlsx-${process.pid}-`;

function readerTemp(): { entries: number; bytes: number } {
  let entries = 0;
  let bytes = 0;
  const walk = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    entries++;
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
    else bytes += stat.size;
  };
  for (const name of readdirSync(tmpdir())) if (name.startsWith(READER_PREFIX)) walk(join(tmpdir(), name));
  return { entries, bytes };
}

function gc() {
  (globalThis as { gc?: () => void }).gc?.();
}

describe.each(DIALECTS)('hostile import files on %s', (dialect) => {
  let ts: TestSystem;
  let attacker: Session;
  let bystander: Session;
  beforeAll(async () => {
    ts = await startTestSystem(dialect);
    attacker = await signup(ts.app);
    bystander = await signup(ts.app);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const upload = (
    s: Session,
    url: '/v1/imports' | '/v1/imports/preview',
    data: Buffer | string,
    fileName: string,
  ) => {
    const body = multipart({ name: 'file', fileName, data });
    return ts.app.inject({
      method: 'POST',
      url,
      headers: { ...s.headers, ...body.headers },
      payload: body.payload,
    });
  };

  /** Another account's ordinary request, right after the attack. */
  async function bystanderWorks() {
    const csv = 'phone,name\n+37121234567,Ada\n';
    const r = await upload(bystander, '/v1/imports/preview', csv, 'ok.csv');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().headers).toEqual(['phone', 'name']);
    const list = await ts.app.inject({ method: 'GET', url: '/v1/contacts', headers: bystander.headers });
    expect(list.statusCode).toBe(200);
  }

  /** Sends `data` to preview and import, expecting `status`/`code` from both, memory and temp folder unchanged. */
  async function refused(data: Buffer | string, fileName: string, status: number, code: string) {
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const tempBefore = readerTemp();
    for (const url of ['/v1/imports/preview', '/v1/imports'] as const) {
      const r = await upload(attacker, url, data, fileName);
      expectProblem(r, status, code);
    }
    gc();
    // The server's heap is 256 MB in production: an upload may not take a sizeable part of it.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(48 * MiB);
    expect(readerTemp()).toEqual(tempBefore);
    await bystanderWorks();
  }

  it('a 3 MB workbook with 300 MB of honestly declared shared strings answers 422, the server stays up', async () => {
    const strings = bigSharedStrings(300);
    const file = stringsBomb(strings);
    expect(file.length).toBeLessThan(6 * MiB);
    await refused(file, 'strings.xlsx', 422, 'archive_too_large');
  }, 120_000);

  it('shared strings under the archive limit but over the reader’s caps (bytes, then count) answer 422', async () => {
    // 100 MiB of strings, honestly declared: within IMPORT_MAX_UNCOMPRESSED_BYTES, over the string bytes cap.
    await refused(stringsBomb(bigSharedStrings(100)), 'many-bytes.xlsx', 422, 'archive_too_large');
    // Two million one-letter strings: few bytes, too many strings.
    const tiny = deflated(
      `${XML}<sst xmlns="${MAIN}">`,
      Buffer.from('<si><t>a</t></si>'.repeat(1000)),
      2000,
      '</sst>',
    );
    await refused(stringsBomb(tiny), 'many-strings.xlsx', 422, 'archive_too_large');
  }, 120_000);

  it('a workbook within every cap that still exhausts the reader thread’s heap answers 422, not 500', async () => {
    // One shared string of millions of rich-text runs: one string, under the bytes cap, yet each run
    // is an object in the reader's heap. The thread dies of its own memory limit; the server does not.
    const runs = deflated(
      `${XML}<sst xmlns="${MAIN}"><si>`,
      // Varied text, so that the file compresses like a real one (below the ratio check).
      Buffer.from(
        Array.from({ length: 10_000 }, (_, i) => `<r><t>${((i * 7919) % 46_656).toString(36)}</t></r>`).join(
          '',
        ),
      ),
      250,
      '</si></sst>',
    );
    const file = stringsBomb(runs);
    const tempBefore = readerTemp();
    const preview = await upload(attacker, '/v1/imports/preview', file, 'runs.xlsx');
    expectProblem(preview, 422, 'archive_too_large');
    expect((preview.json() as unknown as { detail: string }).detail).toContain('memory');
    // One request: a heap run to its limit takes the thread seconds of garbage collection.
    expect(readerTemp()).toEqual(tempBefore);
    await bystanderWorks();
  }, 120_000);

  it('a workbook lying about its sizes (small declared, hundreds of MiB inflated) answers 422 in both orders', async () => {
    const lying = sheetBomb(200, 1_400_000);
    expect(lying.length).toBeLessThan(1024 * 1024);
    await refused(lying, 'liar.xlsx', 422, 'archive_too_large');
    await refused(stringsBomb(bigSharedStrings(150), 1_000_000), 'liar2.xlsx', 422, 'archive_too_large');
    await refused(
      stringsBomb(bigSharedStrings(150), 1_000_000, true),
      'liar3.xlsx',
      422,
      'archive_too_large',
    );
  }, 120_000);

  it('a CSV with a gigantic single line, millions of columns or a quote never closed answers 400', async () => {
    await refused('a'.repeat(20 * MiB), 'line.csv', 400, 'validation_failed');
    await refused(`${','.repeat(3_000_000)}\n+37121234567\n`, 'columns.csv', 400, 'validation_failed');
    await refused(
      `phone,name\n+37121234567,"never closed${' and on\n'.repeat(400_000)}`,
      'quote.csv',
      400,
      'validation_failed',
    );
  }, 120_000);

  it('many workbooks at once are read by at most two reader threads; every preview still answers', async () => {
    readerThreadStats(true);
    const book = contactsWorkbook(2_000, true);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => upload(attacker, '/v1/imports/preview', book, `many-${i}.xlsx`)),
    );
    for (const r of answers) expect(r.statusCode, r.body).toBe(200);
    const stats = readerThreadStats();
    expect(stats.maxRunning).toBeGreaterThanOrEqual(1);
    expect(stats.maxRunning).toBeLessThanOrEqual(2);
    expect(stats.running).toBe(0);
    await bystanderWorks();
  }, 120_000);

  it('after 20 previews and imports of every workbook shape, no temp file is left and disk use is back', async () => {
    // A system of its own with a low archive limit: bombs are found after 16 MiB instead of 128.
    const small = await startTestSystem(dialect, { IMPORT_MAX_UNCOMPRESSED_BYTES: String(16 * MiB) });
    try {
      await cycleShapes(small);
    } finally {
      await small.close();
    }
  }, 120_000);

  async function cycleShapes(ts: TestSystem) {
    const attacker = await signup(ts.app);
    const upload = (url: string, data: Buffer, fileName: string) => {
      const body = multipart({ name: 'file', fileName, data });
      return ts.app.inject({
        method: 'POST',
        url,
        headers: { ...attacker.headers, ...body.headers },
        payload: body.payload,
      });
    };
    const shapes: Array<{ name: string; data: Buffer; ok: boolean }> = [
      { name: 'sheet-first.xlsx', data: contactsWorkbook(200, true), ok: true },
      { name: 'strings-first.xlsx', data: contactsWorkbook(200, false), ok: true },
      { name: 'bomb.xlsx', data: sheetBomb(40, 1_400_000), ok: false },
      { name: 'honest-large.xlsx', data: contactsWorkbook(10_000, true), ok: true },
    ];
    const importsDir = join(ts.config.DATA_DIR, 'files', 'imports');
    const stored = () => {
      try {
        return readdirSync(importsDir).length;
      } catch {
        return 0;
      }
    };
    const storedBefore = stored();
    const tempBefore = readerTemp();
    let accepted = 0;
    for (let i = 0; i < 20; i++) {
      const shape = shapes[i % shapes.length]!;
      const preview = await upload('/v1/imports/preview', shape.data, shape.name);
      const created = await upload('/v1/imports', shape.data, shape.name);
      if (shape.ok) {
        expect(preview.statusCode, preview.body).toBe(200);
        expect(preview.json().headers).toEqual(['Phone', 'Name']);
        expect(created.statusCode, created.body).toBe(202);
        accepted++;
      } else {
        expectProblem(preview, 422, 'archive_too_large');
        expectProblem(created, 422, 'archive_too_large');
      }
    }
    await ts.system.services.contacts.imports.runDue();
    const list = await ts.app.inject({
      method: 'GET',
      url: '/v1/imports?limit=100',
      headers: attacker.headers,
    });
    const done = list.json().data as Array<{
      status: string;
      fileName: string;
      imported: number;
      skipped: number;
    }>;
    expect(done).toHaveLength(accepted);
    for (const imp of done) expect(imp.status, JSON.stringify(imp)).toBe('completed');
    expect(done.find((d) => d.fileName === 'honest-large.xlsx')).toBeDefined();
    // Only the accepted originals are kept (for 60 days); the reader's temp folder is back to what it was.
    expect(stored() - storedBefore).toBe(accepted);
    expect(readerTemp()).toEqual(tempBefore);
    const other = await signup(ts.app);
    const body = multipart({ name: 'file', fileName: 'ok.csv', data: 'phone\n+37121234567\n' });
    const ok = await ts.app.inject({
      method: 'POST',
      url: '/v1/imports/preview',
      headers: { ...other.headers, ...body.headers },
      payload: body.payload,
    });
    expect(ok.statusCode, ok.body).toBe(200);
  }
});

// ── malformed multipart bodies ──────────────────────────────────────────────────────────────────

describe.each(DIALECTS)('malformed multipart bodies on %s', (dialect) => {
  let ts: TestSystem;
  let s: Session;
  let contactId: string;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, { ATTACHMENT_MAX_BYTES: '4096', IMPORT_MAX_BYTES: '4096' });
    s = await signup(ts.app);
    const contact = await ts.app.inject({
      method: 'POST',
      url: '/v1/contacts',
      headers: s.headers,
      payload: { phone: '+37121234567' },
    });
    expect(contact.statusCode, contact.body).toBe(201);
    contactId = contact.json().id;
  });
  afterAll(async () => {
    await ts?.close();
  });

  const B = 'xyzBOUNDARYxyz';
  const ct = (boundary = B) => `multipart/form-data; boundary=${boundary}`;
  const filePart = (data: string, name = 'file', fileName = 'a.csv') =>
    `--${B}\r\ncontent-disposition: form-data; name="${name}"; filename="${fileName}"\r\ncontent-type: text/csv\r\n\r\n${data}\r\n`;
  const field = (name: string, value: string) =>
    `--${B}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const end = `--${B}--\r\n`;
  const good = 'phone\n+37121234567\n';

  type Case = { name: string; contentType: string; body: string | Buffer; status: number; code: string };
  const CASES: Case[] = [
    {
      name: 'no boundary parameter',
      contentType: 'multipart/form-data',
      body: filePart(good) + end,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'empty boundary',
      contentType: 'multipart/form-data; boundary=',
      body: filePart(good) + end,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'boundary not in the body',
      contentType: ct('other'),
      body: filePart(good) + end,
      status: 400,
      code: 'validation_failed',
    },
    { name: 'empty body', contentType: ct(), body: '', status: 400, code: 'validation_failed' },
    {
      name: 'only the closing boundary',
      contentType: ct(),
      body: end,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'truncated in the file',
      contentType: ct(),
      body: filePart(good).slice(0, -8),
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'truncated in the part headers',
      contentType: ct(),
      body: `--${B}\r\ncontent-disposition: form-da`,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'no closing boundary',
      contentType: ct(),
      body: filePart(good),
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'part header without a colon',
      contentType: ct(),
      body: `--${B}\r\nnonsense\r\n\r\n${good}\r\n${end}`,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'part without content-disposition',
      contentType: ct(),
      body: `--${B}\r\ncontent-type: text/csv\r\n\r\n${good}\r\n${end}`,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'no file part, a field only',
      contentType: ct(),
      body: field('note', 'hi') + end,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'file in a part named otherwise',
      contentType: ct(),
      body: filePart(good, 'upload') + end,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'two files',
      contentType: ct(),
      body: filePart(good) + filePart(good) + end,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'too many parts',
      contentType: ct(),
      body: Array.from({ length: 30 }, (_, i) => field(`f${i}`, 'x')).join('') + filePart(good) + end,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'too many fields',
      contentType: ct(),
      body: Array.from({ length: 12 }, (_, i) => field(`f${i}`, 'x')).join('') + filePart(good) + end,
      status: 400,
      code: 'validation_failed',
    },
    {
      name: '__proto__ field',
      contentType: ct(),
      body: field('__proto__', 'x') + filePart(good) + end,
      status: 400,
      code: 'validation_failed',
    },
    // Over every route's limit: 4 KiB for imports and attachments here, 5 MiB for avatars.
    {
      name: 'file larger than the limit',
      contentType: ct(),
      body: filePart(`phone\n${'+37121234567\n'.repeat(420_000)}`) + end,
      status: 413,
      code: 'payload_too_large',
    },
    {
      name: 'garbage bytes',
      contentType: ct(),
      body: Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)),
      status: 400,
      code: 'validation_failed',
    },
    {
      name: 'multipart/mixed',
      contentType: `multipart/mixed; boundary=${B}`,
      body: filePart(good) + end,
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'text/plain',
      contentType: 'text/plain',
      body: good,
      status: 415,
      code: 'unsupported_media_type',
    },
    {
      name: 'boundary longer than 70 characters',
      contentType: ct('b'.repeat(300)),
      body: filePart(good) + end,
      status: 400,
      code: 'validation_failed',
    },
  ];
  const ROUTES = [
    { name: 'import', url: () => '/v1/imports' },
    { name: 'import preview', url: () => '/v1/imports/preview' },
    { name: 'attachment', url: () => '/v1/attachments' },
    { name: 'avatar', url: () => `/v1/contacts/${contactId}/avatar` },
  ];
  // Forms whose fields a route does not take are refused by that route all the same; the avatar and
  // attachment routes take no fields at all, so "too many fields" is their "unexpected field".
  const TABLE = ROUTES.flatMap((route) =>
    CASES.map((c) => ({ route, ...c, label: `${route.name}: ${c.name}` })),
  );

  it.each(TABLE)('$label → $status $code', async ({ route, contentType, body, status, code }) => {
    const r = await ts.app.inject({
      method: 'POST',
      url: route.url(),
      headers: { ...s.headers, 'content-type': contentType },
      payload: body,
    });
    expectProblem(r, status, code);
  });

  it('still accepts a well-formed upload on every route afterwards', async () => {
    const body = multipart({ name: 'file', fileName: 'a.csv', data: good });
    const r = await ts.app.inject({
      method: 'POST',
      url: '/v1/imports/preview',
      headers: { ...s.headers, ...body.headers },
      payload: body.payload,
    });
    expect(r.statusCode, r.body).toBe(200);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createDeflateRaw } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart } from '../helpers/multipart';
import { DIALECTS, type DialectName } from '../helpers/storage';
import { createApiKey, type Session, signup, startTestSystem, type TestSystem } from '../helpers/system';

const FIXTURES = join(__dirname, '..', 'fixtures', 'imports');
const DAY = 24 * 3600_000;

type Headers = { headers: Record<string, string> };
type Reply = { statusCode: number; headers: Record<string, unknown>; body: string; json(): { code: string } };

function expectProblem(r: Reply, status: number, code: string) {
  expect(r.statusCode, r.body).toBe(status);
  expect(String(r.headers['content-type'])).toContain('application/problem+json');
  expect(r.json().code).toBe(code);
}

/** A ZIP (stored as XLSX) whose sheet inflates to `megabytes` MiB of zeros: a zip bomb. */
async function zipBomb(megabytes: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve) => deflate.on('end', () => resolve()));
  const zeros = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < megabytes; i++) {
    if (!deflate.write(zeros)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  const sheet = Buffer.concat(out);
  const entries = [
    { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>'), size: 11, method: 0 },
    { name: 'xl/worksheets/sheet1.xml', data: sheet, size: megabytes * 1024 * 1024, method: 8 },
  ];
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(e.method, 10);
    cd.writeUInt32LE(e.data.length, 20);
    cd.writeUInt32LE(e.size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    central.push(cd, name);
    offset += 30 + name.length + e.data.length;
  }
  const cdBuffer = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cdBuffer.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuffer, end]);
}

async function workbook(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Contacts');
  for (const r of rows) ws.addRow(r);
  wb.addWorksheet('Ignored').addRow(['Phone']).commit?.();
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (c: Buffer) => parts.push(c));
  await wb.xlsx.write(sink);
  sink.end();
  return Buffer.concat(parts);
}

// Every case also runs with CSV files read on the worker thread (as big files are), on SQLite.
const READERS: Array<[string, DialectName, Record<string, string>]> = [
  ...DIALECTS.map((d): [string, DialectName, Record<string, string>] => [d, d, {}]),
  ['sqlite, CSV read on a worker thread', 'sqlite', { IMPORT_THREAD_MIN_BYTES: '0' }],
];

describe.each(READERS)('contact imports on %s', (_label, dialect, env) => {
  let ts: TestSystem;
  beforeAll(async () => {
    ts = await startTestSystem(dialect, env);
  });
  afterAll(async () => {
    await ts?.close();
  });

  const call = (s: Headers, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    ts.app.inject({ method, url, headers: s.headers, ...(payload ? { payload } : {}) });
  const upload = (
    s: Headers,
    file: { fileName: string; data: Buffer | string } | null,
    fields: Record<string, string> = {},
    url = '/v1/imports',
  ) => {
    const body = multipart(file ? { name: 'file', ...file } : null, fields);
    return ts.app.inject({
      method: 'POST',
      url,
      headers: { ...s.headers, ...body.headers },
      payload: body.payload,
    });
  };
  const imports = () => ts.system.services.contacts.imports;
  const storedImportFiles = () => {
    try {
      return readdirSync(join(ts.config.DATA_DIR, 'files', 'imports'));
    } catch {
      return [];
    }
  };
  async function setup(): Promise<Session> {
    const s = await signup(ts.app);
    expect((await call(s, 'PATCH', '/v1/account/settings', { defaultCountry: 'LV' })).statusCode).toBe(200);
    const field = await call(s, 'POST', '/v1/contact-fields', {
      key: 'birthday',
      label: 'Birthday',
      type: 'date',
    });
    expect(field.statusCode, field.body).toBe(201);
    return s;
  }
  const messy = () => readFileSync(join(FIXTURES, 'messy-contacts.csv'));

  it('previews a messy CSV without storing it: delimiter, headers, sample rows and guessed mapping', async () => {
    const s = await setup();
    const before = storedImportFiles().length;
    const r = await upload(s, { fileName: 'export.csv', data: messy() }, {}, '/v1/imports/preview');
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body).toMatchObject({
      format: 'csv',
      delimiter: ';',
      headers: ['Vorname', 'Nachname', 'Mobile', 'E-mail', 'Tags', 'Birthday', 'Notes'],
      guessedMapping: {
        Vorname: 'firstName',
        Nachname: 'lastName',
        Mobile: 'phone',
        'E-mail': 'email',
        Tags: 'tags',
        Birthday: 'fields.birthday',
      },
    });
    expect(body.sampleRows).toHaveLength(5);
    expect(body.sampleRows[1]).toEqual([
      'Jānis',
      'Bērziņš',
      '2234 5678',
      'janis@example.lv',
      '',
      '17.05.1985',
      'note with ; semicolon',
    ]);
    expect(body.sampleRows[2][6]).toBe('line one\r\nline two');
    expect(body.totalEstimate).toBeGreaterThanOrEqual(13);
    expect(storedImportFiles().length).toBe(before);
  });

  it('imports a messy CSV: exact counts, per-row errors with line numbers, formula text kept, export neutralised', async () => {
    const s = await setup();
    const group = (await call(s, 'POST', '/v1/groups', { name: 'Imported' })).json();
    const created = await upload(s, { fileName: 'messy.csv', data: messy() }, { groupId: group.id });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().id;
    expect(created.json()).toMatchObject({
      id: expect.stringMatching(/^imp_/),
      status: 'queued',
      format: 'csv',
    });

    await ts.system.workOnce();
    const done = (await call(s, 'GET', `/v1/imports/${id}`)).json();
    expect(done).toMatchObject({
      status: 'completed',
      fileName: 'messy.csv',
      total: 12,
      processed: 12,
      imported: 7,
      updated: 0,
      skipped: 0,
      failed: 5,
      warned: 1,
      groupId: group.id,
    });
    expect(done.finishedAt).not.toBeNull();
    const byRow = Object.fromEntries(
      done.errors.map((e: { row: number; column: string | null; message: string }) => [e.row, e]),
    );
    expect(Object.keys(byRow).map(Number)).toEqual([6, 8, 9, 13, 14]);
    expect(byRow[6]).toMatchObject({ column: 'Mobile', message: expect.stringContaining('too short') });
    expect(byRow[8]).toMatchObject({
      column: 'Mobile',
      message: expect.stringContaining('duplicate of row 2'),
    });
    expect(byRow[9]).toMatchObject({ column: null, message: expect.stringContaining('9 cells') });
    // A bad e-mail next to a good number: the contact is imported without the e-mail, with a warning.
    expect(done.warnings).toEqual([
      { row: 12, column: 'E-mail', message: 'not a valid e-mail address: imported without it' },
    ]);
    expect(byRow[13]).toMatchObject({ column: 'Birthday', message: expect.stringContaining('date') });
    expect(byRow[14]).toMatchObject({ column: 'Mobile', message: expect.stringContaining('landline') });

    const list = (await call(s, 'GET', `/v1/contacts?groupId=${group.id}&limit=50`)).json().data;
    expect(list).toHaveLength(7);
    const byPhone = Object.fromEntries(list.map((c: { phone: string }) => [c.phone, c]));
    expect(byPhone['+37121234567']).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      country: 'LV',
      tags: ['vip', 'newsletter'],
      fields: { birthday: '1990-05-17' },
    });
    expect(byPhone['+37122345678']).toMatchObject({
      firstName: 'Jānis',
      lastName: 'Bērziņš',
      fields: { birthday: '1985-05-17' },
    });
    expect(byPhone['+37123456789']).toMatchObject({ firstName: 'Multi', tags: ['a'] });
    expect(byPhone['+37125678901'].firstName).toBe('=HYPERLINK("http://evil.example","click")');
    expect(byPhone['+4915123456789']).toMatchObject({ firstName: 'Иван', lastName: 'Петров', country: 'DE' });
    expect(byPhone['+37128901234']).toMatchObject({ firstName: 'Last', email: 'last@example.com' });
    expect(byPhone['+37126789012']).toMatchObject({ firstName: 'Quote "The Q" Person', email: null });
    // Search finds imported names (the lower-cased search columns were filled).
    const found = (await call(s, 'GET', '/v1/contacts?q=%D0%B8%D0%B2%D0%B0%D0%BD')).json().data;
    expect(found.map((c: { phone: string }) => c.phone)).toEqual(['+4915123456789']);

    const exported = await call(s, 'GET', '/v1/contacts/export?format=csv');
    expect(exported.body).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(exported.body).not.toMatch(/(^|,)"?=HYPERLINK/m);

    const report = await call(s, 'GET', `/v1/imports/${id}/errors.csv`);
    expect(report.statusCode).toBe(200);
    expect(String(report.headers['content-type'])).toContain('text/csv');
    const lines = report.body.trimEnd().split('\r\n');
    // One line per refused row: why, then the row's cells as uploaded under the file's headers.
    expect(lines[0]).toBe('row,column,message,Vorname,Nachname,Mobile,E-mail,Tags,Birthday,Notes');
    expect(lines).toHaveLength(6);
    expect(lines[2]).toBe(
      '8,Mobile,duplicate of row 2 (same phone number +37121234567),Dup,Licate,0037121234567,dup@example.com,,,',
    );

    const audit = await ts.system.storage.db
      .selectFrom('audit_events')
      .select(['action', 'data'])
      .where('account_id', '=', s.accountId)
      .where('action', 'like', 'import.%')
      .execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['import.completed', 'import.created']);
    for (const a of audit) expect(a.data ?? '').not.toMatch(/\+?371|@example/);
  });

  it('an error report cell that a spreadsheet would run is neutralised', async () => {
    const s = await setup();
    const csv = 'Phone,Name\r\n=1+2,Evil\r\n';
    const created = await upload(s, { fileName: 'f.csv', data: csv });
    expect(created.statusCode, created.body).toBe(202);
    await ts.system.workOnce();
    const report = await call(s, 'GET', `/v1/imports/${created.json().id}/errors.csv`);
    expect(report.body).toContain("2,Phone,'=1+2 ");
  });

  it('a bad e-mail with a good number is a warning; the error report gives refused rows back as uploaded', async () => {
    const s = await setup();
    const csv = [
      'Phone;Name;E-mail;Birthday;Note',
      '+371 2000 1001;Ada;ada@example;1990-01-02;"kept; with a semicolon"',
      '+37120001002;Bob;bob@example.com;;',
      '+37120001003;Cy;not-an-email;31.02.1990;two problems',
      'call me;"Dee ""D"" Doe";dee@example.com;;"=1+2"',
      '0037120001002;Bob again;bob2@example.com;;',
      '+37120001004;Eve;eve@@example.com;;',
    ].join('\r\n');
    const created = await upload(s, { fileName: 'w.csv', data: csv }, { onDuplicate: 'update' });
    expect(created.statusCode, created.body).toBe(202);
    const id = created.json().id;
    await ts.system.workOnce();
    const done = (await call(s, 'GET', `/v1/imports/${id}`)).json();
    expect(done).toMatchObject({ status: 'completed', imported: 3, failed: 3, warned: 2 });
    expect(done.warnings).toEqual([
      { row: 2, column: 'E-mail', message: 'not a valid e-mail address: imported without it' },
      { row: 7, column: 'E-mail', message: 'not a valid e-mail address: imported without it' },
    ]);
    // A row with another problem is refused, and its bad e-mail is one of its errors.
    expect(done.errors).toEqual([
      { row: 4, column: 'E-mail', message: 'not a valid e-mail address' },
      { row: 4, column: 'Birthday', message: expect.stringContaining('must be a date') },
      { row: 5, column: 'Phone', message: expect.stringMatching(/.+/) },
      { row: 6, column: 'Phone', message: 'duplicate of row 3 (same phone number +37120001002)' },
    ]);
    const ada = (await call(s, 'GET', '/v1/contacts?q=%2B37120001001')).json().data;
    expect(ada).toHaveLength(1);
    expect(ada[0]).toMatchObject({ firstName: 'Ada', email: null, fields: { birthday: '1990-01-02' } });
    expect((await call(s, 'GET', '/v1/contacts?q=eve')).json().data[0]).toMatchObject({ email: null });

    // The error report: one line per refused row, the reasons, then the cells as uploaded.
    const report = await call(s, 'GET', `/v1/imports/${id}/errors.csv`);
    expect(report.statusCode).toBe(200);
    expect(String(report.headers['content-disposition'])).toContain(`${id}-errors.csv`);
    const lines = report.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('row,column,message,Phone,Name,E-mail,Birthday,Note');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(
      /^4,E-mail; Birthday,not a valid e-mail address; must be a date[^,]*,'\+37120001003,Cy,not-an-email,31\.02\.1990,two problems$/,
    );
    // Quotes come back quoted; a formula cell is neutralised like every cell of our CSV files.
    expect(lines[2]).toMatch(/^5,Phone,.+,call me,"Dee ""D"" Doe",dee@example\.com,,'=1\+2$/);
    expect(lines[3]).toBe(
      '6,Phone,duplicate of row 3 (same phone number +37120001002),0037120001002,Bob again,bob2@example.com,,',
    );
    // Fixed in place, the report imports again: its own columns are not mapped, the file's are.
    const fixed = `${lines[0]}\r\n${lines[3]!.replace('0037120001002', '+37120001005')}\r\n`;
    const again = await upload(s, { fileName: 'fixed.csv', data: fixed }, {});
    expect(again.statusCode, again.body).toBe(202);
    await ts.system.workOnce();
    expect((await call(s, 'GET', `/v1/imports/${again.json().id}`)).json()).toMatchObject({
      status: 'completed',
      imported: 1,
      failed: 0,
    });
    expect((await call(s, 'GET', '/v1/contacts?q=%2B37120001005')).json().data[0]).toMatchObject({
      firstName: 'Bob again',
      email: 'bob2@example.com',
    });

    const warnings = await call(s, 'GET', `/v1/imports/${id}/warnings.csv`);
    expect(warnings.body.trimEnd().split('\r\n')).toEqual([
      'row,column,message',
      '2,E-mail,not a valid e-mail address: imported without it',
      '7,E-mail,not a valid e-mail address: imported without it',
    ]);
    // Another account sees neither report.
    const other = await signup(ts.app);
    expect((await call(other, 'GET', `/v1/imports/${id}/errors.csv`)).statusCode).toBe(404);
    expect((await call(other, 'GET', `/v1/imports/${id}/warnings.csv`)).statusCode).toBe(404);
  });

  it('the error report of an XLSX gives the refused rows back as read', async () => {
    const s = await setup();
    const xlsx = await workbook([
      ['Phone', 'First name', 'Email'],
      [37120002001, 'Good', 'bad-mail'],
      [12345, 'Short', 'short@example.com'],
    ]);
    const created = await upload(s, { fileName: 'book.xlsx', data: xlsx });
    expect(created.statusCode, created.body).toBe(202);
    await ts.system.workOnce();
    const done = (await call(s, 'GET', `/v1/imports/${created.json().id}`)).json();
    expect(done).toMatchObject({ imported: 1, failed: 1, warned: 1 });
    const lines = (await call(s, 'GET', `/v1/imports/${created.json().id}/errors.csv`)).body
      .trimEnd()
      .split('\r\n');
    expect(lines[0]).toBe('row,column,message,Phone,First name,Email');
    expect(lines[1]).toMatch(/^3,Phone,.+,12345,Short,short@example\.com$/);
  });

  it('imports an XLSX with numbers stored as numbers and real dates; duplicates update or skip', async () => {
    const s = await setup();
    expect(
      (await call(s, 'POST', '/v1/contact-fields', { key: 'score', label: 'Score', type: 'number' }))
        .statusCode,
    ).toBe(201);
    const existing = await call(s, 'POST', '/v1/contacts', {
      phone: '+37121234567',
      firstName: 'Old',
      email: 'old@example.com',
      tags: ['keep'],
    });
    expect(existing.statusCode).toBe(201);
    const xlsx = await workbook([
      ['Phone', 'First name', 'Birthday', 'Score', 'Tags'],
      [37121234567, 'New', new Date(Date.UTC(1990, 4, 17)), 12.5, 'added'],
      [],
      ['+371 2234 5678', 'Bob', null, 7, null],
      [37161234567, 'Landline', null, null, null],
    ]);
    const skip = await upload(s, { fileName: 'book.xlsx', data: xlsx });
    expect(skip.statusCode, skip.body).toBe(202);
    expect(skip.json().mapping).toEqual({
      Phone: 'phone',
      'First name': 'firstName',
      Birthday: 'fields.birthday',
      Score: 'fields.score',
      Tags: 'tags',
    });
    await ts.system.workOnce();
    const skipped = (await call(s, 'GET', `/v1/imports/${skip.json().id}`)).json();
    expect(skipped, JSON.stringify(skipped)).toMatchObject({
      status: 'completed',
      format: 'xlsx',
      total: 3,
      imported: 1,
      skipped: 1,
      failed: 1,
    });
    expect(skipped.errors).toEqual([
      { row: 5, column: 'Phone', message: expect.stringContaining('landline') },
    ]);
    const old = (await call(s, 'GET', `/v1/contacts/${existing.json().id}`)).json();
    expect(old).toMatchObject({ firstName: 'Old', fields: {}, tags: ['keep'] });
    const bob = (await call(s, 'GET', '/v1/contacts?q=%2B37122345678')).json().data[0];
    expect(bob).toMatchObject({ firstName: 'Bob', fields: { score: 7 } });

    const update = await upload(s, { fileName: 'book.xlsx', data: xlsx }, { onDuplicate: 'update' });
    expect(update.statusCode, update.body).toBe(202);
    await ts.system.workOnce();
    expect((await call(s, 'GET', `/v1/imports/${update.json().id}`)).json()).toMatchObject({
      status: 'completed',
      imported: 0,
      updated: 2,
      failed: 1,
    });
    const changed = (await call(s, 'GET', `/v1/contacts/${existing.json().id}`)).json();
    expect(changed).toMatchObject({
      firstName: 'New',
      email: 'old@example.com',
      fields: { birthday: '1990-05-17', score: 12.5 },
      tags: ['keep', 'added'],
    });
    expect(
      (await call(s, 'GET', '/v1/contacts?tag=added')).json().data.map((c: { id: string }) => c.id),
    ).toEqual([existing.json().id]);
  });

  it('progress is readable between batches; a crashed worker is resumed after its lease; cancel keeps rows', async () => {
    const s = await setup();
    const rows = ['phone,first name'];
    for (let i = 0; i < 25; i++) rows.push(`+3712${String(1000000 + i)},Person ${i}`);
    const csv = `${rows.join('\n')}\n`;

    const first = (await upload(s, { fileName: 'p.csv', data: csv })).json();
    expect(await imports().runDue({ maxBatches: 1, batchSize: 10 })).toBe(1);
    const mid = (await call(s, 'GET', `/v1/imports/${first.id}`)).json();
    expect(mid).toMatchObject({ status: 'running', processed: 10, total: 25, imported: 10 });

    // A worker that claimed it and died: nothing happens until its lease expires.
    await ts.system.storage.db
      .updateTable('imports')
      .set({ lease_until: ts.clock.now() + 60_000 })
      .where('id', '=', first.id)
      .execute();
    expect(await imports().runDue({ batchSize: 10 })).toBe(0);
    ts.clock.advance(60_001);
    expect(await imports().runDue({ batchSize: 10 })).toBe(1);
    expect((await call(s, 'GET', `/v1/imports/${first.id}`)).json()).toMatchObject({
      status: 'completed',
      processed: 25,
      imported: 25,
      failed: 0,
      errors: [],
    });

    const second = (
      await upload(s, { fileName: 'p2.csv', data: csv.replace(/\+3712/g, '+3712') }, { onDuplicate: 'skip' })
    ).json();
    await imports().runDue({ maxBatches: 1, batchSize: 10 });
    const cancelled = await call(s, 'POST', `/v1/imports/${second.id}/cancel`);
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', processed: 10, skipped: 10 });
    await ts.system.workOnce();
    expect((await call(s, 'GET', `/v1/imports/${second.id}`)).json()).toMatchObject({
      status: 'cancelled',
      processed: 10,
    });
    expectProblem(await call(s, 'POST', `/v1/imports/${second.id}/cancel`), 409, 'conflict');

    const queued = (await upload(s, { fileName: 'p3.csv', data: csv })).json();
    expect((await call(s, 'POST', `/v1/imports/${queued.id}/cancel`)).json()).toMatchObject({
      status: 'cancelled',
      processed: 0,
    });

    const listed = (await call(s, 'GET', '/v1/imports?limit=2')).json();
    expect(listed.data.map((i: { id: string }) => i.id)).toEqual([queued.id, second.id]);
    expect(listed.nextCursor).toBe(second.id);
  });

  it('a quote never closed and a runaway row end in a report, never in a crash or a silent half import', async () => {
    const s = await setup();
    const unclosed = await upload(s, {
      fileName: 'q.csv',
      data: 'phone,name\n+37121234567,Ada\n+37122345678,"Bob\n+37123456789,Cy\n',
    });
    expect(unclosed.statusCode, unclosed.body).toBe(202);
    const good = Array.from({ length: 7 }, (_, i) => `+3712456789${i},Ann${i}`).join('\n');
    const runaway = `+37125678901,"${'x'.repeat(1100 * 1024)}"`;
    // Within the first rows, the runaway row is refused at once (the preview rows are read at create).
    const early = await upload(s, { fileName: 'e.csv', data: `phone,name\n${runaway}\n` });
    expectProblem(early, 400, 'validation_failed');
    const huge = await upload(s, {
      fileName: 'h.csv',
      data: `phone,name\n${good}\n${runaway}\n+37126789012,Zed\n`,
    });
    expect(huge.statusCode, huge.body).toBe(202);
    await ts.system.workOnce();
    const q = (await call(s, 'GET', `/v1/imports/${unclosed.json().id}`)).json();
    expect(q).toMatchObject({ status: 'completed', imported: 1, failed: 1 });
    expect(q.errors).toEqual([
      { row: 3, column: null, message: expect.stringContaining('Quote Not Closed') },
    ]);
    const h = (await call(s, 'GET', `/v1/imports/${huge.json().id}`)).json();
    // The rows before the runaway one are kept, and the report says where it stopped.
    expect(h).toMatchObject({
      status: 'failed',
      processed: 7,
      imported: 7,
      error: expect.stringContaining('Line 9: a row is longer than 1024 KiB'),
    });
    expect((await call(s, 'GET', '/healthz')).statusCode).toBe(200);
  });

  it('a search matching thousands of imported contacts pages newest first like a rare one', async () => {
    const s = await setup();
    const rows = ['Phone,First name,Last name'];
    for (let i = 0; i < 2300; i++) rows.push(`+3712${String(3000000 + i)},Anna${i % 7},Berzina${i}`);
    rows.push('+37124000001,Zelda,Annabel');
    const created = (await upload(s, { fileName: 'many.csv', data: rows.join('\n') })).json();
    await ts.system.workOnce();
    expect((await call(s, 'GET', `/v1/imports/${created.id}`)).json()).toMatchObject({
      imported: 2301,
      failed: 0,
    });
    const all = await ts.system.storage.db
      .selectFrom('contacts')
      .select(['id', 'first_name_lc', 'last_name_lc'])
      .where('account_id', '=', s.accountId)
      .orderBy('id', 'desc')
      .execute();
    const expected = all.filter(
      (c) => c.first_name_lc?.startsWith('ann') || c.last_name_lc?.startsWith('ann'),
    );
    expect(expected).toHaveLength(2301);
    const seen: string[] = [];
    let cursor = '';
    for (let page = 0; page < 3; page++) {
      const r = (
        await call(s, 'GET', `/v1/contacts?q=ann&limit=100${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...r.data.map((c: { id: string }) => c.id));
      cursor = r.nextCursor;
    }
    expect(seen).toEqual(expected.slice(0, 300).map((c) => c.id));
    // A rare prefix among them: the one contact.
    const rare = (await call(s, 'GET', '/v1/contacts?q=annab')).json().data;
    expect(rare.map((c: { lastName: string }) => c.lastName)).toEqual(['Annabel']);
    const pair = (await call(s, 'GET', '/v1/contacts?q=anna3%20berzina10')).json().data;
    const pairExpected = all.filter(
      (c) => c.first_name_lc === 'anna3' && c.last_name_lc?.startsWith('berzina10'),
    );
    expect(pairExpected.length).toBeGreaterThan(10);
    expect(pair.map((c: { id: string }) => c.id)).toEqual(pairExpected.map((c) => c.id));
  });

  it('deletes the uploaded original and its error report 60 days after the import, not before', async () => {
    // An API key: a session would expire while the clock jumps 60 days.
    const s = await createApiKey(ts.app, await setup());
    const created = (
      await upload(s, { fileName: 'keep.csv', data: 'phone\n+37129999999\nnot a number\n' })
    ).json();
    await ts.system.workOnce();
    expect(readdirSync(join(ts.config.DATA_DIR, 'files', 'imports'))).toContain(created.id);
    const errorRows = () =>
      ts.system.storage.db
        .selectFrom('import_errors')
        .select('row')
        .where('import_id', '=', created.id)
        .execute();
    expect(await errorRows()).toHaveLength(1);
    ts.clock.advance(60 * DAY - 60_000);
    // Older imports of other tests in this system may go now; this one must stay.
    await imports().sweepOriginals();
    expect(storedImportFiles()).toContain(created.id);
    expect((await call(s, 'GET', `/v1/imports/${created.id}`)).json().originalDeletedAt).toBeNull();
    ts.clock.advance(120_000);
    expect(await imports().sweepOriginals()).toBeGreaterThanOrEqual(1);
    expect(storedImportFiles()).not.toContain(created.id);
    // The error report quotes the file's cells: it goes with the original.
    expect(await errorRows()).toHaveLength(0);
    expect((await call(s, 'GET', `/v1/imports/${created.id}`)).json().originalDeletedAt).not.toBeNull();
    expect(await imports().sweepOriginals()).toBe(0);
  });

  it('refuses files that are not CSV/XLSX, wrong encodings and zip bombs, storing nothing', async () => {
    const s = await setup();
    const before = storedImportFiles().length;
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      Buffer.alloc(100, 1),
    ]);
    const pngReply = await upload(s, { fileName: 'contacts.csv', data: png });
    expectProblem(pngReply, 415, 'unsupported_import_file');
    expect(pngReply.json().detail).toContain('PNG');

    const junk = Buffer.from(Array.from({ length: 2000 }, (_, i) => (i * 7919) % 256));
    expectProblem(await upload(s, { fileName: 'junk.csv', data: junk }), 415, 'unsupported_import_file');

    const utf16 = Buffer.concat([
      Buffer.from([0xff, 0xfe]),
      Buffer.from('phone,name\r\n+37121234567,Ada\r\n', 'utf16le'),
    ]);
    expectProblem(await upload(s, { fileName: 'u16.csv', data: utf16 }), 422, 'invalid_file_encoding');

    const latin1 = Buffer.from('phone;name\r\n+37121234567;M\u00fcller\r\n', 'latin1');
    const latin = await upload(s, { fileName: 'latin.csv', data: latin1 });
    expectProblem(latin, 422, 'invalid_file_encoding');
    expect(latin.json().detail).toContain('offset 27');

    const plainZip = await zipBomb(1);
    const noWorkbook = Buffer.from(
      plainZip.toString('latin1').replace('xl/workbook.xml', 'xl/notebook.xml'),
      'latin1',
    );
    expectProblem(await upload(s, { fileName: 'a.xlsx', data: noWorkbook }), 415, 'unsupported_import_file');

    const rssBefore = process.memoryUsage().rss;
    const bomb = await zipBomb(400);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const bombReply = await upload(s, { fileName: 'bomb.xlsx', data: bomb });
    expectProblem(bombReply, 422, 'archive_too_large');
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(150 * 1024 * 1024);

    expectProblem(await upload(s, { fileName: 'empty.csv', data: '' }), 415, 'unsupported_import_file');
    expect(storedImportFiles().length).toBe(before);
    expect((await call(s, 'GET', '/v1/imports')).json().data).toEqual([]);
  });

  it('refuses bad mappings, foreign groups and forms; foreign import ids answer 404', async () => {
    const s = await setup();
    const other = await setup();
    const csv = 'Phone,Name,Extra\n+37121234567,Ada,x\n';
    const before = storedImportFiles().length;
    const unknownField = await upload(
      s,
      { fileName: 'a.csv', data: csv },
      { mapping: JSON.stringify({ Phone: 'phone', Extra: 'fields.nope' }) },
    );
    expectProblem(unknownField, 400, 'validation_failed');
    expect(unknownField.json().errors[0].path).toBe('/body/mapping/Extra');
    expectProblem(
      await upload(s, { fileName: 'a.csv', data: csv }, { mapping: JSON.stringify({ Nope: 'phone' }) }),
      400,
      'validation_failed',
    );
    expectProblem(
      await upload(s, { fileName: 'a.csv', data: csv }, { mapping: JSON.stringify({ Name: 'firstName' }) }),
      400,
      'validation_failed',
    );
    expectProblem(
      await upload(s, { fileName: 'a.csv', data: csv }, { mapping: '{not json' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await upload(s, { fileName: 'a.csv', data: csv }, { colour: 'red' }),
      400,
      'validation_failed',
    );
    expectProblem(
      await upload(s, { fileName: 'a.csv', data: 'Name,Town\nAda,Riga\n' }),
      400,
      'validation_failed',
    );
    expectProblem(await upload(s, null, { groupId: 'x' }), 400, 'validation_failed');
    const foreignGroup = (await call(other, 'POST', '/v1/groups', { name: 'Theirs' })).json();
    expectProblem(
      await upload(s, { fileName: 'a.csv', data: csv }, { groupId: foreignGroup.id }),
      404,
      'not_found',
    );
    expectProblem(await call(s, 'POST', '/v1/imports', { file: 'x' }), 415, 'unsupported_media_type');
    expect(storedImportFiles().length).toBe(before);

    const mapped = await upload(
      s,
      { fileName: 'a.csv', data: csv },
      { mapping: JSON.stringify({ Phone: 'phone', Name: 'lastName', Extra: null }) },
    );
    expect(mapped.statusCode, mapped.body).toBe(202);
    expect(mapped.json().mapping).toEqual({ Phone: 'phone', Name: 'lastName' });
    const id = mapped.json().id;
    expectProblem(await call(other, 'GET', `/v1/imports/${id}`), 404, 'not_found');
    expectProblem(await call(other, 'GET', `/v1/imports/${id}/errors.csv`), 404, 'not_found');
    expectProblem(await call(other, 'POST', `/v1/imports/${id}/cancel`), 404, 'not_found');
    expect(
      (await call(other, 'GET', '/v1/imports')).json().data.map((i: { id: string }) => i.id),
    ).not.toContain(id);
  });

  it('answers 413 for a file over IMPORT_MAX_BYTES and keeps no partial file', async () => {
    const small = await startTestSystem(dialect, { IMPORT_MAX_BYTES: '2048' });
    try {
      const s = await signup(small.app);
      const big = `phone\n${'+37121234567\n'.repeat(400)}`;
      const body = multipart({ name: 'file', fileName: 'big.csv', data: big });
      const r = await small.app.inject({
        method: 'POST',
        url: '/v1/imports',
        headers: { ...s.headers, ...body.headers },
        payload: body.payload,
      });
      expectProblem(r, 413, 'payload_too_large');
      let left: string[] = [];
      try {
        left = readdirSync(join(small.config.DATA_DIR, 'files', 'imports'));
      } catch {
        left = [];
      }
      expect(left).toEqual([]);
      const ok = multipart({ name: 'file', fileName: 'ok.csv', data: 'phone\n+37121234567\n' });
      const fine = await small.app.inject({
        method: 'POST',
        url: '/v1/imports',
        headers: { ...s.headers, ...ok.headers },
        payload: ok.payload,
      });
      expect(fine.statusCode, fine.body).toBe(202);
    } finally {
      await small.close();
    }
  });
});

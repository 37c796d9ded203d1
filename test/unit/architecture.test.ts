/**
 * The module rules of DESIGN.md, checked over the source: a one-way module graph in a fixed order, imports of
 * another module only through its `index.ts`, no vendor or outside-IO import inside `src/modules/`, each table
 * written only by the module that owns it, no wall clock inside `src/modules/`, and no query in the wiring
 * (`src/main.ts`, `src/cli/` and `src/workers/` call modules' named functions). Every exception is listed
 * below with its reason; the second half feeds each rule a small fake tree to show it fails.
 */
import { describe, expect, it } from 'vitest';
import {
  checkCycles,
  checkDeepImports,
  checkFoundation,
  checkLayers,
  checkRootQueries,
  checkTableWrites,
  checkVendorImports,
  checkWallClock,
  formatViolations,
  readTree,
  type VendorException,
  type Violation,
  type WriteException,
} from '../helpers/architecture';

/**
 * The module order, bottom up: a module imports only modules on its own layer or below (and never in a
 * cycle, even on one layer). kernel and storage sit below every module.
 */
const LAYERS: Record<string, number> = {
  audit: 0,
  codec: 0,
  phone: 0,
  'route-port': 0,
  accounts: 1,
  billing: 1,
  trust: 1,
  payments: 2,
  contacts: 2,
  messaging: 3,
  dispatch: 4,
  campaigns: 5,
  inbound: 5,
  webhooks: 5,
  compliance: 6,
  'twilio-compat': 6,
  'smpp-accounts': 6,
  keywords: 7,
};

/** Which module writes each table (tables only written outside `src/modules/` name that place). */
const OWNERS: Record<string, string> = {
  accounts: 'accounts',
  users: 'accounts',
  staff_users: 'accounts',
  sessions: 'accounts',
  api_keys: 'accounts',
  policy_consents: 'accounts',
  auth_tokens: 'accounts',
  login_failures: 'accounts',
  account_balances: 'billing',
  credit_ledger: 'billing',
  price_lists: 'billing',
  payments: 'payments',
  audit_events: 'audit',
  audit_chain_heads: 'audit',
  audit_chain_anchors: 'compliance',
  incidents: 'compliance',
  incident_accounts: 'compliance',
  notices: 'compliance',
  policy_versions: 'compliance',
  privacy_requests: 'compliance',
  privacy_restrictions: 'compliance',
  retention_leases: 'compliance',
  retention_policies: 'compliance',
  sub_processors: 'compliance',
  sub_processor_objections: 'compliance',
  attachments: 'campaigns',
  campaign_settings: 'campaigns',
  campaigns: 'campaigns',
  link_clicks: 'campaigns',
  links: 'campaigns',
  templates: 'campaigns',
  contacts: 'contacts',
  contact_consents: 'contacts',
  contact_fields: 'contacts',
  contact_groups: 'contacts',
  contact_tags: 'contacts',
  group_members: 'contacts',
  imports: 'contacts',
  import_errors: 'contacts',
  suppressions: 'contacts',
  messages: 'messaging',
  message_events: 'messaging',
  message_refs: 'messaging',
  message_stats_daily: 'messaging',
  delivery_reports: 'messaging',
  inbound_messages: 'inbound',
  keyword_rules: 'keywords',
  keyword_settings: 'keywords',
  numbers: 'inbound',
  routes: 'dispatch',
  routing_rules: 'dispatch',
  route_tests: 'dispatch',
  route_costs: 'dispatch',
  route_callbacks: 'dispatch',
  route_health: 'dispatch',
  webhook_endpoints: 'webhooks',
  webhook_deliveries: 'webhooks',
  webhook_attempts: 'webhooks',
  twilio_callbacks: 'twilio-compat',
  twilio_callback_deliveries: 'twilio-compat',
  twilio_sms_urls: 'twilio-compat',
  smpp_credentials: 'smpp-accounts',
  smpp_submits: 'smpp-accounts',
  smpp_deliveries: 'smpp-accounts',
  sender_ids: 'trust',
  sender_rules: 'trust',
  protected_names: 'trust',
  content_rules: 'trust',
  content_allows: 'trust',
  twilio_services: 'twilio-compat',
  twilio_service_senders: 'twilio-compat',
  twilio_sticky_senders: 'twilio-compat',
  twilio_message_services: 'twilio-compat',
  idempotency_keys: 'http (src/http/idempotency.ts)',
  jobs: 'queue (src/queue/)',
};

/** The one table of exceptions: each vendor/IO import or foreign write still allowed, with its reason. */
const EXCEPTIONS: { vendor: VendorException[]; writes: WriteException[] } = {
  vendor: [
    {
      file: 'src/modules/accounts/secrets.ts',
      specifier: '@node-rs/argon2',
      reason: 'password hashing is computation, not IO: a port would only rename argon2',
    },
    {
      file: 'src/modules/accounts/two-factor.ts',
      specifier: 'otplib',
      reason: 'TOTP codes are computation, not IO: a port would only rename otplib',
    },
    {
      file: 'src/modules/webhooks/addresses.ts',
      specifier: 'node:net',
      reason: 'isIP/isIPv4/isIPv6 only: pure parsers of address text for the SSRF rules (no IO)',
    },
    {
      file: 'src/modules/smpp-accounts/credentials.ts',
      specifier: 'node:net',
      reason: "isIP only: checks the addresses of an SMPP credential's allow-list (no IO)",
    },
  ],
  writes: [
    {
      file: 'src/modules/compliance/retention-rules.ts',
      table: 'contacts',
      reason: 'the documented purge: retention rules list every table holding personal data in one place',
    },
    {
      file: 'src/modules/compliance/retention-rules.ts',
      table: 'contact_tags',
      reason: 'the documented purge (a purged contact’s tags)',
    },
    {
      file: 'src/modules/compliance/retention-rules.ts',
      table: 'group_members',
      reason: 'the documented purge (a purged contact’s group memberships)',
    },
    {
      file: 'src/modules/compliance/retention-rules.ts',
      table: 'contact_consents',
      reason: 'the documented purge (a purged contact’s consents)',
    },
    {
      file: 'src/modules/compliance/retention-rules.ts',
      table: 'idempotency_keys',
      reason: 'the documented purge: stored answers hold message bodies and numbers',
    },
    {
      file: 'src/modules/compliance/retention-rules.ts',
      table: 'webhook_attempts',
      reason: 'the documented purge: attempt logs keep receivers’ answers',
    },
    {
      file: 'src/modules/compliance/retention-rules.ts',
      table: 'audit_events',
      reason: 'the documented purge: audit events past 730 days, anchored in audit_chain_anchors first',
    },
    {
      file: 'src/modules/compliance/subject-erasure.ts',
      table: 'contacts',
      reason: 'the documented erasure of a data subject: subject-erasure.ts lists every table holding them',
    },
    {
      file: 'src/modules/compliance/subject-erasure.ts',
      table: 'contact_tags',
      reason: 'the documented erasure',
    },
    {
      file: 'src/modules/compliance/subject-erasure.ts',
      table: 'group_members',
      reason: 'the documented erasure',
    },
    {
      file: 'src/modules/compliance/subject-erasure.ts',
      table: 'contact_consents',
      reason: 'the documented erasure',
    },
    { file: 'src/modules/compliance/subject-erasure.ts', table: 'links', reason: 'the documented erasure' },
    {
      file: 'src/modules/compliance/subject-erasure.ts',
      table: 'inbound_messages',
      reason: 'the documented erasure',
    },
    {
      file: 'src/modules/compliance/subject-erasure.ts',
      table: 'suppressions',
      reason: 'the documented erasure',
    },
    {
      file: 'src/modules/compliance/subject-erasure.ts',
      table: 'idempotency_keys',
      reason: 'the documented erasure',
    },
    {
      file: 'src/modules/compliance/subject-erasure.ts',
      table: 'webhook_attempts',
      reason: 'the documented erasure',
    },
    {
      file: 'src/modules/compliance/subject-erasure.ts',
      table: 'webhook_deliveries',
      reason: 'the documented erasure',
    },
    {
      file: 'src/modules/messaging/send.ts',
      table: 'idempotency_keys',
      reason:
        'a send stores its idempotent answer in the transaction that inserts the messages (one commit, one fsync); the key’s format is http/idempotency.ts’s',
    },
    {
      file: 'src/modules/dispatch/dispatcher.ts',
      table: 'messages',
      reason:
        'the claim marks queued messages `sending` under the job lease, conditional on their status (races with cancel)',
    },
  ],
};

const tree = readTree(process.cwd(), ['src']);

function expectNone(violations: Violation[]) {
  expect(formatViolations(violations)).toBe('');
}

describe('module rules over src/', () => {
  it('has no cycle between modules', () => expectNone(checkCycles(tree)));

  it('imports modules only downwards in the module order', () => expectNone(checkLayers(tree, LAYERS)));

  it('keeps kernel and storage below every module', () => expectNone(checkFoundation(tree)));

  it('imports another module only through its index.ts', () => expectNone(checkDeepImports(tree)));

  it('keeps vendor and IO imports out of src/modules (exceptions listed)', () =>
    expectNone(checkVendorImports(tree, EXCEPTIONS.vendor)));

  it('writes a table only from the module that owns it (exceptions listed)', () =>
    expectNone(checkTableWrites(tree, OWNERS, EXCEPTIONS.writes)));

  it('reads no wall clock inside src/modules', () => expectNone(checkWallClock(tree)));

  it('runs no query in main.ts, src/cli/ or src/workers/ (they only wire)', () =>
    expectNone(checkRootQueries(tree)));

  it('lists no exception that no longer applies', () => {
    const vendorStale = EXCEPTIONS.vendor.filter((e) =>
      checkVendorImports(new Map([[e.file, tree.get(e.file) ?? '']]), []).every(
        (v) => !v.message.includes(`'${e.specifier}'`),
      ),
    );
    const writeStale = EXCEPTIONS.writes.filter((e) =>
      checkTableWrites(new Map([[e.file, tree.get(e.file) ?? '']]), OWNERS, []).every(
        (v) => !v.message.includes(`table ${e.table},`),
      ),
    );
    expect([...vendorStale, ...writeStale]).toEqual([]);
  });
});

describe('each rule can fail', () => {
  const fake = (files: Record<string, string>) => new Map(Object.entries(files));

  it('finds a cycle, naming the files and lines of its imports', () => {
    const v = checkCycles(
      fake({
        'src/modules/a/index.ts': "export { x } from './x';\n",
        'src/modules/a/x.ts': "import type { Y } from '../b';\nexport const x = 1;\n",
        'src/modules/b/index.ts': "\n\nimport { x } from '../a/index.js';\nexport type Y = typeof x;\n",
        'src/modules/c/index.ts': "import { x } from '../a';\n",
      }),
    );
    expect(v).toHaveLength(1);
    expect(formatViolations(v)).toContain('src/modules/a/x.ts:1: [cycle] modules a, b import each other');
    expect(formatViolations(v)).toContain("b → a (src/modules/b/index.ts:3 imports '../a/index.js')");
  });

  it('finds an import upwards in the module order, and a module with no layer', () => {
    const v = checkLayers(
      fake({
        'src/modules/accounts/x.ts': "import { send } from '../messaging';\n",
        'src/modules/messaging/y.ts': "import { a } from '../accounts';\nimport { n } from '../newcomer';\n",
      }),
      { accounts: 1, messaging: 3 },
    );
    expect(formatViolations(v)).toBe(
      [
        "src/modules/accounts/x.ts:1: [layer] module accounts (layer 1) imports '../messaging' from module messaging (layer 3), which is above it in the module order",
        'src/modules/messaging/y.ts:2: [layer] module newcomer has no layer in the module order',
      ].join('\n'),
    );
  });

  it('finds kernel or storage importing from above', () => {
    const v = checkFoundation(
      fake({
        'src/storage/x.ts':
          "import type { AuditLog } from '../modules/audit';\nimport { a } from './database';\n",
        'src/kernel/y.ts': "\nimport { h } from '../http/app';\nimport { c } from './clock';\n",
        'src/modules/audit/z.ts': "import { d } from '../../storage/database';\n",
      }),
    );
    expect(formatViolations(v)).toBe(
      [
        "src/storage/x.ts:1: [layer] storage imports '../modules/audit' from src/modules, which is above it",
        "src/kernel/y.ts:2: [layer] kernel imports '../http/app' from src/http, which is above it",
      ].join('\n'),
    );
  });

  it('finds deep imports from modules, adapters, http, main, cli and workers, but not within a module', () => {
    const v = checkDeepImports(
      fake({
        'src/main.ts':
          "import { a } from './modules/campaigns/attachments';\nimport { b } from './modules/campaigns';\n",
        'src/http/app.ts': "import type { F } from '../modules/campaigns/attachments.js';\n",
        'src/adapters/smpp/x.ts':
          "// import { z } from '../../modules/codec/encoding';\nconst s = \"from '../../modules/codec/encoding'\";\nexport { p } from '../../modules/route-port/route-port';\n",
        'src/cli/main.ts': "const m = await import('../modules/contacts/avatar-image');\n",
        'src/workers/w.ts': "import { d } from '../modules/dispatch/index';\n",
        'src/modules/messaging/a.ts':
          "import { e } from './encoding';\nimport { p } from '../phone/phone';\n",
        'src/modules/contacts/imports/v.ts':
          "import { q } from '../shared';\nimport { r } from '../../phone';\n",
      }),
    );
    expect(v.map((x) => `${x.file}:${x.line}`)).toEqual([
      'src/main.ts:1',
      'src/http/app.ts:1',
      'src/adapters/smpp/x.ts:3',
      'src/cli/main.ts:1',
      'src/modules/messaging/a.ts:2',
    ]);
    expect(v[0]!.message).toContain('import it through src/modules/campaigns/index.ts');
  });

  it('finds vendor and IO imports inside modules, except those listed', () => {
    const v = checkVendorImports(
      fake({
        'src/modules/webhooks/sender.ts':
          "import http from 'node:http';\nimport { createHash } from 'node:crypto';\n",
        'src/modules/contacts/x.ts':
          "import type ExcelJS from 'exceljs';\nconst sharp = (await import('sharp')).default;\n",
        'src/modules/accounts/y.ts': "import { Pool } from 'pg';\nimport { z } from 'zod';\n",
        'src/adapters/mail/smtp.ts': "import nodemailer from 'nodemailer';\n",
      }),
      [{ file: 'src/modules/contacts/x.ts', specifier: 'exceljs', reason: 'listed' }],
    );
    expect(v.map((x) => `${x.file}:${x.line}`)).toEqual([
      'src/modules/webhooks/sender.ts:1',
      'src/modules/contacts/x.ts:2',
      'src/modules/accounts/y.ts:1',
    ]);
  });

  it('finds writes to another module’s table, by Kysely builder or raw SQL, except those listed', () => {
    const v = checkTableWrites(
      fake({
        'src/modules/messaging/deletion.ts': [
          "await tx.deleteFrom('messages').execute();",
          "await tx.deleteFrom('inbound_messages').where('id', 'in', ids).execute();",
          "await tx.selectFrom('suppressions').selectAll().execute();",
          'await sql`UPDATE contacts SET name = $' + '{n}`.execute(tx);',
          "await tx.insertInto('idempotency_keys as k').values(v).onConflict((oc) => oc.doUpdateSet(x)).execute();",
          "await tx.updateTable('mystery').set(x).execute();",
        ].join('\n'),
        'src/modules/compliance/closure.ts':
          "await tx.updateTable('accounts').set({ status: 'closed' }).execute();\n",
        'src/http/idempotency.ts': "await db.insertInto('idempotency_keys').values(v).execute();\n",
      }),
      {
        messages: 'messaging',
        inbound_messages: 'inbound',
        contacts: 'contacts',
        accounts: 'accounts',
        sender_ids: 'trust',
        sender_rules: 'trust',
        protected_names: 'trust',
        content_rules: 'trust',
        content_allows: 'trust',
        idempotency_keys: 'http',
      },
      [{ file: 'src/modules/messaging/deletion.ts', table: 'idempotency_keys', reason: 'listed' }],
    );
    expect(formatViolations(v)).toBe(
      [
        "src/modules/messaging/deletion.ts:2: [foreign-write] deleteFrom('inbound_messages') writes table inbound_messages, owned by module inbound; call that module instead",
        "src/modules/messaging/deletion.ts:4: [foreign-write] SQL 'UPDATE contacts' writes table contacts, owned by module contacts; call that module instead",
        "src/modules/messaging/deletion.ts:6: [foreign-write] updateTable('mystery') writes table mystery, which has no owner in the owner map",
        "src/modules/compliance/closure.ts:1: [foreign-write] updateTable('accounts') writes table accounts, owned by module accounts; call that module instead",
      ].join('\n'),
    );
  });

  it('finds Date.now() and new Date() with no argument inside modules, not in comments, strings or elsewhere', () => {
    const v = checkWallClock(
      fake({
        'src/modules/campaigns/fanout.ts': [
          'const until = Date.now() + 1000;',
          '// Date.now() in a comment',
          "const s = 'new Date()';",
          'const d = new Date(clock.now());',
          'const e = new Date;',
          'const f = new Date().toISOString();',
          'const t = performance.now();',
          'const r = /Date.now()/;',
        ].join('\n'),
        'src/kernel/clock.ts': 'export const systemClock = { now: () => Date.now() };\n',
      }),
    );
    expect(v.map((x) => `${x.file}:${x.line} ${x.message.split(' ')[0]}`)).toEqual([
      'src/modules/campaigns/fanout.ts:1 Date.now()',
      'src/modules/campaigns/fanout.ts:5 new',
      'src/modules/campaigns/fanout.ts:6 new',
    ]);
  });

  it('finds queries in main.ts, src/cli/ and src/workers/, not in comments, other words or other folders', () => {
    const v = checkRootQueries(
      fake({
        'src/main.ts': [
          "const any = await tx.selectFrom('privacy_restrictions').select('id').executeTakeFirst();",
          '// db.transaction().execute(…) in a comment',
          'const lazy = storage.lazyTransaction;',
          'const n = await db.transaction().execute((tx) => outcomes.expire(tx));',
          "logger.info('SELECT a route from the list');",
          "const q = 'SELECT id FROM routes';",
          'await sql`DELETE FROM jobs`.execute(db);',
        ].join('\n'),
        'src/workers/schedule.ts': "const rows = await db.selectFrom('routes').selectAll().execute();\n",
        'src/modules/dispatch/receipt-sweeps.ts': "await db.selectFrom('routes').selectAll().execute();\n",
        'src/cli/main.ts': "await db.selectFrom('staff_users').selectAll().execute();\n",
      }),
    );
    expect(formatViolations(v)).toBe(
      [
        'src/main.ts:1: [root-query] .selectFrom() in wiring code; move the query into the module that owns its tables, as a named function',
        'src/main.ts:4: [root-query] .transaction() in wiring code; move the query into the module that owns its tables, as a named function',
        "src/main.ts:6: [root-query] SQL 'SELECT' in wiring code; move the query into the module that owns its tables, as a named function",
        'src/main.ts:7: [root-query] an sql`…` template in wiring code; move the query into the module that owns its tables, as a named function',
        "src/main.ts:7: [root-query] SQL 'DELETE' in wiring code; move the query into the module that owns its tables, as a named function",
        'src/workers/schedule.ts:1: [root-query] .selectFrom() in wiring code; move the query into the module that owns its tables, as a named function',
        'src/cli/main.ts:1: [root-query] .selectFrom() in wiring code; move the query into the module that owns its tables, as a named function',
      ].join('\n'),
    );
  });
});

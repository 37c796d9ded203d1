import type { LightMyRequestResponse } from 'fastify';
import sharp from 'sharp';
import type { Role } from '../../src/modules/accounts';
import { multipart } from './multipart';
import {
  addMember,
  cookieFrom,
  createApiKey,
  PASSWORD,
  type Session,
  signup,
  type TestSystem,
} from './system';

/** Request headers of a credential: a session cookie with its CSRF token, or a Bearer key. */
export type Headers = Record<string, string>;

/**
 * The Twilio-compatible surface (the Messages API under `/2010-04-01/`, Messaging Services under
 * `/v1/Services`) answers in Twilio's error shape, not problem+json, by contract: its auth, scopes and bad
 * input are covered by test/e2e/twilio-compat.test.ts and twilio-sdk.test.ts, not the generated suites.
 */
export const isTwilioCompatibleRoute = (url: string) =>
  url.startsWith('/2010-04-01/') || url === '/v1/Services' || url.startsWith('/v1/Services/');

/** Throws unless the answer has `status` (0: any 2xx). */
function expectStatus(response: LightMyRequestResponse, status: number, what: string) {
  const ok =
    status === 0 ? response.statusCode >= 200 && response.statusCode < 300 : response.statusCode === status;
  if (!ok) {
    throw new Error(`${what}: expected ${status}, got ${response.statusCode} ${response.body}`);
  }
  return response;
}

export { addMember };

/** A new session for an existing client user. */
export async function login(ts: TestSystem, email: string): Promise<{ headers: Headers }> {
  const r = expectStatus(
    await ts.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password: PASSWORD } }),
    200,
    `login ${email}`,
  );
  return { headers: { cookie: cookieFrom(r, 'sg_session'), 'x-csrf-token': r.json().csrfToken } };
}

/** Changes a member's role (as the owner). */
export async function setRole(ts: TestSystem, owner: Session, userId: string, role: Role): Promise<void> {
  expectStatus(
    await ts.app.inject({
      method: 'PATCH',
      url: `/v1/users/${userId}`,
      headers: owner.headers,
      payload: { role },
    }),
    200,
    `set role ${role}`,
  );
}

/** The kinds of thing a path parameter names, each seeded once per account. */
export type ResourceKind =
  | 'account'
  | 'user'
  | 'apiKey'
  | 'smppCredential'
  | 'contact'
  | 'group'
  | 'template'
  | 'campaign'
  | 'attachment'
  | 'message'
  | 'import'
  | 'webhook'
  | 'delivery'
  | 'inbound'
  | 'notice'
  | 'privacyRequest'
  | 'keywordRule'
  | 'senderId';

/** A client account with one of each resource, and its owner's session and key. */
export interface Tenant {
  owner: Session;
  ownerKey: { id: string; key: string; headers: Headers };
  ids: Record<ResourceKind, string>;
  /** The seeded contact's phone number (unique per tenant). */
  phone: string;
}

let serial = 0;

/** A small valid PNG, made at run time. */
export async function tinyPng(): Promise<Buffer> {
  return sharp({ create: { width: 8, height: 8, channels: 3, background: '#c0ffee' } })
    .png()
    .toBuffer();
}

/** A minimal PDF, enough for content sniffing. */
export const TINY_PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n');

/**
 * Creates a client account holding one of each resource a path parameter can name. Needs a test system
 * started with `WEBHOOK_ALLOW_PRIVATE=true` (the webhook points at a closed local port) and a superadmin
 * staff session (numbers and privacy requests are assigned by staff). Notices are made by publishing a
 * sub-processor once all tenants exist: see {@link seedNotices}.
 */
export async function seedTenant(
  ts: TestSystem,
  staff: Session,
  company: string,
): Promise<Omit<Tenant, 'ids'> & { ids: Omit<Record<ResourceKind, string>, 'notice'> }> {
  const n = ++serial;
  // `signup` confirms the owner's e-mail, as a real tenant would have (free credits need it).
  const owner = await signup(ts.app, { company });
  const ownerKey = await createApiKey(ts.app, owner);
  const member = await addMember(ts, owner, 'viewer');
  const call = async (
    method: 'POST' | 'GET',
    url: string,
    payload: unknown,
    status: number,
    headers = owner.headers,
  ) =>
    expectStatus(
      await ts.app.inject({
        method,
        url,
        headers,
        ...(payload === undefined ? {} : { payload: payload as object }),
      }),
      status,
      `${method} ${url}`,
    ).json();
  const upload = async (
    url: string,
    file: { fileName: string; contentType: string; data: Buffer | string },
  ) => {
    const body = multipart({ name: 'file', ...file });
    return expectStatus(
      await ts.app.inject({
        method: 'POST',
        url,
        headers: { ...owner.headers, ...body.headers },
        payload: body.payload,
      }),
      0,
      `upload ${url}`,
    ).json();
  };

  const phone = `+3712${String(1_000_000 + n * 7919).padStart(7, '0')}`;
  const contact = await call(
    'POST',
    '/v1/contacts',
    { phone, firstName: company, email: `${company.toLowerCase()}@example.com` },
    201,
  );
  const group = await call('POST', '/v1/groups', { name: `${company} group` }, 201);
  await call('POST', `/v1/groups/${group.id}/contacts`, { contactIds: [contact.id] }, 0);
  const template = await call(
    'POST',
    '/v1/templates',
    { name: `${company} template`, text: 'Hi {{first_name}}' },
    201,
  );
  const campaign = await call(
    'POST',
    '/v1/campaigns',
    { name: `${company} campaign`, type: 'transactional', groupIds: [group.id], text: 'Hello' },
    201,
  );
  const attachment = await upload('/v1/attachments', {
    fileName: 'doc.pdf',
    contentType: 'application/pdf',
    data: TINY_PDF,
  });
  await upload(`/v1/contacts/${contact.id}/avatar`, {
    fileName: 'a.png',
    contentType: 'image/png',
    data: await tinyPng(),
  });
  const imported = await upload('/v1/imports', {
    fileName: 'contacts.csv',
    contentType: 'text/csv',
    data: `phone,first_name\n+3712${String(2_000_000 + n * 7919).padStart(7, '0')},Imp\nnot-a-phone,Bad\n`,
  });
  const smppCredential = await call('POST', '/v1/smpp/credentials', {}, 201);
  const webhook = await call(
    'POST',
    '/v1/webhooks',
    { url: 'http://127.0.0.1:9/hook', events: ['message.status', 'message.received'] },
    201,
  );
  const message = await call(
    'POST',
    '/v1/messages',
    { to: phone, text: `private to ${company}` },
    202,
    ownerKey.headers,
  );

  // An inbound SMS to a number of this account (which also queues a webhook delivery).
  const number = `+3712${String(5_000_000 + n * 7919).padStart(7, '0')}`;
  await call('POST', '/v1/admin/numbers', { number, accountId: owner.accountId }, 201, staff.headers);
  await ts.system.services.inbound.receive({
    routeId: 'simulator',
    from: phone,
    to: number,
    text: 'hello',
    at: ts.clock.now(),
  });
  const inbound = await call('GET', '/v1/inbound', undefined, 200);
  const senderId = await call(
    'POST',
    '/v1/sender-ids',
    { sender: `Sender${n}`, note: `${company} notices` },
    201,
  );
  const deliveries = await call('GET', `/v1/webhooks/${webhook.id}/deliveries`, undefined, 200);

  const keywordRule = await call(
    'POST',
    '/v1/keywords',
    { keyword: 'JOIN', addToGroupId: group.id, reply: 'Hi' },
    201,
  );

  const request = await call(
    'POST',
    '/v1/admin/privacy-requests',
    { kind: 'access', subject: { phone }, receivedAt: new Date(ts.clock.now()).toISOString() },
    201,
    staff.headers,
  );
  await call(
    'POST',
    `/v1/admin/privacy-requests/${request.id}/forward`,
    { accountId: owner.accountId },
    200,
    staff.headers,
  );

  return {
    owner,
    ownerKey,
    phone,
    ids: {
      account: owner.accountId,
      user: member.userId,
      apiKey: ownerKey.id,
      smppCredential: smppCredential.id,
      contact: contact.id,
      group: group.id,
      template: template.id,
      campaign: campaign.id,
      attachment: attachment.id,
      message: message.data[0].id,
      import: imported.id,
      webhook: webhook.id,
      delivery: deliveries.data[0].id,
      inbound: inbound.data[0].id,
      privacyRequest: request.id,
      keywordRule: keywordRule.id,
      senderId: senderId.id,
    },
  };
}

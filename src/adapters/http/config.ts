import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { FAILURE_CODES } from '../../modules/route-port';
import { httpConnectionFields } from '../http-carrier/config';
import { parseField, parseJsonPath } from './paths';
import { compileTemplate, MESSAGE_PLACEHOLDERS, TemplateError } from './template';

/** The route's own values a template may use as `{{config.<key>}}` (besides the keys of `settings`). */
export const CONFIG_PLACEHOLDERS = ['username', 'password', 'apiKey', 'basicAuth'] as const;

const regex = z
  .string()
  .min(1)
  .max(500)
  .refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');

const jsonPath = z
  .string()
  .min(1)
  .max(200)
  .refine((p) => parseJsonPath(p) !== null, 'not a dotted path such as $.messages.0.id');

const field = z
  .string()
  .min(3)
  .max(200)
  .refine((f) => parseField(f) !== null, 'not a callback field such as query.ref, form.status or $.data.id');

const expected = z.union([z.string().max(200), z.number(), z.boolean()]);
const status = z.number().int().min(100).max(599);

/** Failure codes a submit answer can map to (undelivered and expired come only from receipts). */
const submitFailure = z.enum(
  (Object.keys(FAILURE_CODES) as Array<keyof typeof FAILURE_CODES>).filter(
    (c) => c !== 'undelivered' && c !== 'expired',
  ) as [string, ...string[]],
);

const receiptStatus = z.enum(['delivered', 'undelivered', 'expired', 'rejected', 'unknown']).nullable();

const schema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT']).default('POST').meta({ title: 'Method' }),
  url: z.string().min(8).max(2000).meta({
    title: 'URL template',
    description: 'The request URL with placeholders, e.g. http://host/send?to={{to|urlencode}}.',
  }),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), z.string().max(2000))
    .default({})
    .meta({ title: 'Header templates' }),
  body: z.string().max(20_000).optional().meta({ title: 'Body template' }),
  contentType: z
    .string()
    .max(100)
    .default('application/x-www-form-urlencoded')
    .meta({ title: 'Content type', description: 'Sent with a body.' }),
  split: z.enum(['none', 'udh']).default('none').meta({
    title: 'Long messages',
    description: 'none: the whole text in one request (the carrier splits); udh: one request per part.',
  }),
  success: z
    .strictObject({
      status: z.array(status).min(1).max(20).default([200, 201, 202]),
      jsonPath: jsonPath.optional(),
      equals: expected.optional(),
      bodyRegex: regex.optional(),
    })
    .default({ status: [200, 201, 202] })
    .meta({ title: 'Success rule' }),
  carrierRef: z
    .union([
      z.literal('none'),
      z.strictObject({ jsonPath }),
      z.strictObject({ regex: regex.describe('group 1 is the reference') }),
    ])
    .default('none')
    .meta({ title: 'Carrier reference', description: 'none: our message id is the reference.' }),
  errors: z
    .array(
      z.strictObject({
        status: z.array(status).max(20).optional(),
        bodyRegex: regex.optional(),
        jsonPath: jsonPath.optional(),
        equals: expected.optional(),
        code: submitFailure,
      }),
    )
    .max(50)
    .default([])
    .meta({ title: 'Error mapping', description: 'The first matching rule names the failure code.' }),
  dlrQuery: z.string().max(1000).optional().meta({
    title: 'DLR URL extra query',
    description: 'Appended to {{dlrUrl}} after the token, e.g. ref={{messageId}}&type=%d for Kannel.',
  }),
  dlr: z
    .strictObject({
      ref: field,
      status: field,
      errorCode: field.optional(),
      errorRegex: regex.optional(),
      statusMap: z.record(z.string().max(100), receiptStatus).default({}),
    })
    .optional()
    .meta({ title: 'Delivery report mapping' }),
  inbound: z
    .strictObject({
      from: field,
      to: field.optional(),
      toNumber: z.string().max(32).optional(),
      text: field,
    })
    .optional()
    .meta({ title: 'Inbound mapping' }),
  username: z.string().max(200).optional().meta({ title: 'Username ({{config.username}})' }),
  password: z.string().max(500).optional().meta({ title: 'Password ({{config.password}})' }),
  apiKey: z.string().max(2000).optional().meta({ title: 'API key ({{config.apiKey}})' }),
  settings: z
    .record(z.string().regex(/^\w{1,64}$/), z.string().max(1000))
    .default({})
    .meta({ title: 'Other settings ({{config.<key>}})' }),
  callbackToken: z.string().min(16).max(200).optional().meta({
    title: 'Callback token',
    description: 'Must be in every callback URL as ?token=…; generated (and shown once) when left out.',
  }),
  callbackUsername: z.string().max(200).optional().meta({ title: 'Callback Basic auth user' }),
  callbackPassword: z.string().max(500).optional().meta({ title: 'Callback Basic auth password' }),
  ...httpConnectionFields,
});

type Parsed = z.output<typeof schema>;

/** Checks every template of a config against the placeholders it may use, one issue per bad template. */
function checkTemplates(config: Parsed, ctx: z.RefinementCtx): void {
  const configKeys = new Set<string>([...CONFIG_PLACEHOLDERS, ...Object.keys(config.settings)]);
  const messageKeys = new Set<string>(MESSAGE_PLACEHOLDERS);
  const known = (name: string) =>
    messageKeys.has(name) || (name.startsWith('config.') && configKeys.has(name.slice(7)));
  const templates: Array<[Array<string | number>, string | undefined]> = [
    [['url'], config.url],
    [['body'], config.body],
    [['dlrQuery'], config.dlrQuery],
    ...Object.entries(config.headers).map(([k, v]): [string[], string] => [['headers', k], v]),
  ];
  for (const [path, source] of templates) {
    if (source === undefined) continue;
    try {
      // {{dlrUrl}} inside its own extra query would never end.
      compileTemplate(source, (n) => known(n) && !(path[0] === 'dlrQuery' && n === 'dlrUrl'));
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      ctx.addIssue({ code: 'custom', path, message: error.message });
    }
  }
  if (config.carrierRef === 'none' && config.split === 'udh')
    ctx.addIssue({
      code: 'custom',
      path: ['carrierRef'],
      message: 'with split "udh" the carrier must return a reference per part',
    });
}

/**
 * The generic HTTP route's config: how to build the request, what the answer means, and where a callback
 * holds its fields. Every template is checked when the config is saved; the callback token is generated
 * when none is given.
 */
export const httpRouteConfigSchema = schema
  .superRefine(checkTemplates)
  .transform((c) => ({ ...c, callbackToken: c.callbackToken ?? randomBytes(24).toString('base64url') }));

export type HttpRouteConfig = z.output<typeof httpRouteConfigSchema>;

/** The secrets of the config: stored, never answered. */
export const HTTP_SECRET_KEYS = ['password', 'apiKey', 'callbackToken', 'callbackPassword'] as const;

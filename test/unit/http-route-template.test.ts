import { describe, expect, it } from 'vitest';
import { httpRouteConfigSchema } from '../../src/adapters/http/config';
import { compileTemplate, MESSAGE_PLACEHOLDERS } from '../../src/adapters/http/template';

const known = (n: string) => (MESSAGE_PLACEHOLDERS as readonly string[]).includes(n) || n === 'config.user';

describe('the generic HTTP route template language', () => {
  it('renders placeholders with their filters, leaving other text as it is', () => {
    const t = compileTemplate('to={{to|urlencode}}&t={{ text | urlencode }}&%d&u={{config.user}}', known);
    expect(t.names).toEqual(['to', 'text', 'config.user']);
    expect(t.render({ to: '+37120000000', text: "a b&c!'()*ā", 'config.user': 'bob' })).toBe(
      'to=%2B37120000000&t=a%20b%26c%21%27%28%29%2A%C4%81&%d&u=bob',
    );
  });

  it('encodes for JSON strings, UCS-2, hex and base64', () => {
    const t = compileTemplate('{{text|json}}|{{text|ucs2hex}}|{{text|hex}}|{{text|base64}}', known);
    const text = 'Ж"\n😀';
    const utf8 = Buffer.from(text, 'utf8');
    expect(t.render({ text })).toBe(
      `Ж\\"\\n😀|04160022000AD83DDE00|${utf8.toString('hex').toUpperCase()}|${utf8.toString('base64')}`,
    );
    expect(compileTemplate('{{text|urlencode|base64}}', known).render({ text: 'a b' })).toBe(
      Buffer.from('a%20b').toString('base64'),
    );
  });

  it('refuses unknown placeholders and filters, malformed and unclosed ones, with the offset', () => {
    expect(() => compileTemplate('x {{nope}}', known)).toThrow('unknown placeholder {{nope}} at offset 2');
    expect(() => compileTemplate('{{text|rot13}}', known)).toThrow('unknown filter |rot13 at offset 0');
    expect(() => compileTemplate('ab {{text', known)).toThrow('unclosed {{ at offset 3');
    expect(() => compileTemplate('{{te xt}}', known)).toThrow('malformed placeholder');
  });
});

describe('the generic HTTP route config', () => {
  const base = { url: 'http://127.0.0.1:1/send?to={{to}}' };

  it('reports each bad template under its field, and config keys only when they exist', () => {
    const r = httpRouteConfigSchema.safeParse({
      ...base,
      url: 'http://x.test/?a={{config.region}}',
      headers: { Authorization: 'Bearer {{config.apiKey}}', 'X-Bad': '{{secret}}' },
      body: '{"t":"{{text|json}}","b":"{{text|nosuch}}"}',
      dlrQuery: 'u={{dlrUrl}}',
    });
    expect(r.success).toBe(false);
    const issues = r.error!.issues.map((i) => [i.path.join('/'), i.message]);
    expect(issues).toEqual([
      ['url', 'unknown placeholder {{config.region}} at offset 17'],
      ['body', 'unknown filter |nosuch at offset 26'],
      ['dlrQuery', 'unknown placeholder {{dlrUrl}} at offset 2'],
      ['headers/X-Bad', 'unknown placeholder {{secret}} at offset 0'],
    ]);
    const ok = httpRouteConfigSchema.parse({
      ...base,
      url: 'http://x.test/?a={{config.region}}',
      settings: { region: 'eu' },
    });
    expect(ok.url).toContain('config.region');
  });

  it('generates a callback token when none is given, and keeps a given one', () => {
    const a = httpRouteConfigSchema.parse(base);
    const b = httpRouteConfigSchema.parse(base);
    expect(a.callbackToken).toMatch(/^[\w-]{32}$/);
    expect(a.callbackToken).not.toBe(b.callbackToken);
    expect(
      httpRouteConfigSchema.parse({ ...base, callbackToken: 'a-given-token-0123456' }).callbackToken,
    ).toBe('a-given-token-0123456');
  });

  it('refuses bad paths, fields, regexes and failure codes', () => {
    const r = httpRouteConfigSchema.safeParse({
      ...base,
      success: { jsonPath: '$.a b' },
      carrierRef: { regex: '(' },
      errors: [{ status: [400], code: 'delivered' }],
      dlr: { ref: 'header.x', status: 'query.s' },
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('/')).sort()).toEqual([
      'carrierRef/regex',
      'dlr/ref',
      'errors/0/code',
      'success/jsonPath',
    ]);
  });
});

describe("the README's generic HTTP route examples", () => {
  it('are valid route configs', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(
      readme.indexOf('### HTTP carrier routes'),
      readme.indexOf('### The back office pages'),
    );
    const examples = [...section.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!));
    expect(examples.map((e) => e.name)).toEqual(['Kannel', 'SMS Gate']);
    for (const e of examples) {
      expect(e.type).toBe('http');
      const parsed = httpRouteConfigSchema.safeParse(e.config);
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
  });
});

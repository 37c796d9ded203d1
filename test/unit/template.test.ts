import { describe, expect, it } from 'vitest';
import { DEFAULT_STOP_WORDS } from '../../src/modules/campaigns/settings';
import { hasOptOut } from '../../src/modules/campaigns/shared';
import {
  BUILTIN_PLACEHOLDERS,
  contactValues,
  isStatic,
  parseTemplate,
  renderTemplate,
  validateTemplate,
} from '../../src/modules/campaigns/template';

const render = (source: string, values: Record<string, string | number | boolean | null | undefined>) =>
  renderTemplate(parseTemplate(source), values);

describe('template parsing', () => {
  it('splits text and placeholders, with fallbacks and positions', () => {
    const t = parseTemplate('Hi {{first_name|there}}, your code is {{ code }}.');
    expect(t.errors).toEqual([]);
    expect(t.keys).toEqual(['first_name', 'code']);
    const fields = t.parts.filter((p) => p.kind === 'field');
    expect(fields.map((p) => [p.key, p.fallback, p.position])).toEqual([
      ['first_name', 'there', 3],
      ['code', null, 38],
    ]);
  });

  it('treats fields.<key> as the custom field <key>', () => {
    const t = parseTemplate('{{fields.plan}} / {{plan}}');
    expect(t.keys).toEqual(['plan']);
    expect(render('{{fields.plan}} / {{plan}}', { plan: 'gold' })).toBe('gold / gold');
  });

  it('reports an unclosed placeholder with its position and keeps it as text', () => {
    const t = parseTemplate('Hello {{first_name, bye');
    expect(t.errors).toEqual([{ position: 6, message: expect.stringContaining('unclosed') }]);
    expect(renderTemplate(t, {})).toBe('Hello {{first_name, bye');
  });

  it('reports a placeholder opened again before it was closed', () => {
    const t = parseTemplate('A {{first_name {{last_name}}');
    expect(t.errors.map((e) => e.position)).toEqual([2]);
    expect(t.keys).toEqual(['last_name']);
  });

  it('reports empty and malformed placeholder names', () => {
    expect(parseTemplate('x {{}} y').errors).toEqual([{ position: 2, message: 'empty placeholder' }]);
    expect(parseTemplate('{{ |fallback}}').errors[0]?.message).toBe('empty placeholder');
    expect(parseTemplate('{{First Name}}').errors[0]?.message).toContain('not a valid placeholder name');
    expect(parseTemplate('{{1abc}}').errors).toHaveLength(1);
    expect(parseTemplate(`{{a|${'x'.repeat(201)}}}`).errors[0]?.message).toContain('fallback');
  });

  it('leaves single braces and a lone closing pair alone', () => {
    const t = parseTemplate('{a} }} {b}');
    expect(t.errors).toEqual([]);
    expect(isStatic(t)).toBe(true);
    expect(renderTemplate(t, {})).toBe('{a} }} {b}');
  });
});

describe('template validation', () => {
  it('accepts built-ins and the account custom fields', () => {
    const source = `${BUILTIN_PLACEHOLDERS.map((k) => `{{${k}}}`).join(' ')} {{plan}}`;
    expect(validateTemplate(source, ['plan']).errors).toEqual([]);
  });

  it('refuses unknown placeholders, with every position, sorted', () => {
    const t = validateTemplate('{{nope}} and {{first_name}} and {{plan|x}} {{', []);
    expect(t.errors.map((e) => [e.position, e.message])).toEqual([
      [0, 'unknown placeholder "nope"'],
      [32, 'unknown placeholder "plan"'],
      [43, expect.stringContaining('unclosed')],
    ]);
  });
});

describe('template rendering', () => {
  it('uses the value, else the fallback, else nothing', () => {
    const source = 'Hi {{first_name|there}}{{last_name}}!';
    expect(render(source, { first_name: 'Ada', last_name: null })).toBe('Hi Ada!');
    expect(render(source, { first_name: '' })).toBe('Hi there!');
    expect(render(source, { first_name: '   ' })).toBe('Hi there!');
    expect(render(source, {})).toBe('Hi there!');
  });

  it('renders numbers and booleans as text, and is pure', () => {
    const t = parseTemplate('{{n}} {{b}}');
    const values = { n: 42, b: false };
    expect(renderTemplate(t, values)).toBe('42 false');
    expect(renderTemplate(t, values)).toBe('42 false');
    expect(values).toEqual({ n: 42, b: false });
  });

  it('renders an empty fallback as nothing', () => {
    expect(render('a{{first_name|}}b', {})).toBe('ab');
  });

  it('does not interpret placeholders inside values', () => {
    expect(render('Hi {{first_name}}', { first_name: '{{last_name}}' })).toBe('Hi {{last_name}}');
  });

  it('reads a contact row: built-ins win over custom fields of the same name', () => {
    const values = contactValues({
      phone: '+37121234567',
      first_name: 'Ada',
      last_name: null,
      email: null,
      country: 'LV',
      fields: JSON.stringify({ plan: 'gold', first_name: 'Impostor' }),
    });
    expect(render('{{first_name}} {{plan}} {{country}} {{phone}}', values)).toBe('Ada gold LV +37121234567');
    expect(
      contactValues({
        phone: 'x',
        first_name: null,
        last_name: null,
        email: null,
        country: null,
        fields: '{bad',
      }),
    ).toMatchObject({ phone: 'x' });
  });
});

describe('opt-out instruction', () => {
  const words = new Set<string>(DEFAULT_STOP_WORDS);
  it('finds a STOP word written as a word, or an unsubscribe link', () => {
    expect(hasOptOut('Sale! Reply STOP to +37120000000', words)).toBe(true);
    expect(hasOptOut('Sale! Text stop to 1234', words)).toBe(true);
    expect(hasOptOut('Atlaide! ATCEL: 1800', words)).toBe(true);
    expect(hasOptOut('Sale https://ex.com/unsubscribe?u=1', words)).toBe(true);
  });
  it('ignores lower-case synonyms and words that merely contain STOP', () => {
    expect(hasOptOut('Sale until the end of May, cancel anytime', words)).toBe(false);
    expect(hasOptOut('Visit our STOPOVER shop', words)).toBe(false);
    expect(hasOptOut('Sale today', words)).toBe(false);
  });
});

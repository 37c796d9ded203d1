/**
 * The template language of the generic HTTP route: literal text with `{{name}}` or `{{name|filter|…}}`
 * placeholders. A template is compiled once per route (when its adapter is built, or its config saved);
 * rendering a message is then a walk over the compiled pieces, with no parsing.
 */

/** The placeholders every request template may use (`config.<key>` come from the route's settings). */
export const MESSAGE_PLACEHOLDERS = [
  'to',
  'toDigits',
  'from',
  'text',
  'udh',
  'messageId',
  'dlrUrl',
  'segments',
  'encoding',
  'coding',
  'part',
  'parts',
  'validityMinutes',
] as const;

const FILTERS: Record<string, (value: string) => string> = {
  // RFC 3986: encodeURIComponent leaves !'()* alone, which some form decoders treat specially.
  urlencode: (v) =>
    encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  // The inside of a JSON string literal (the template supplies the quotes).
  json: (v) => JSON.stringify(v).slice(1, -1),
  // UTF-16BE code units, four upper-case hex digits each (astral characters as surrogate pairs).
  ucs2hex: (v) => {
    let out = '';
    for (let i = 0; i < v.length; i++) out += v.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0');
    return out;
  },
  hex: (v) => Buffer.from(v, 'utf8').toString('hex').toUpperCase(),
  base64: (v) => Buffer.from(v, 'utf8').toString('base64'),
};

export const TEMPLATE_FILTERS = Object.keys(FILTERS);

type Piece = string | { name: string; filters: Array<(value: string) => string> };

/** A compiled template: render it with the values of its placeholders. */
export interface Template {
  /** The placeholder names it uses. */
  readonly names: readonly string[];
  render(values: Readonly<Record<string, string>>): string;
}

export class TemplateError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

const PLACEHOLDER = /^\s*([A-Za-z][\w.-]*)\s*((?:\|\s*[A-Za-z]\w*\s*)*)$/;

/**
 * Compiles `source`, accepting only the placeholder names `known` allows; throws a TemplateError naming
 * the first unknown placeholder or filter, or an unclosed `{{`.
 */
export function compileTemplate(source: string, known: (name: string) => boolean): Template {
  const pieces: Piece[] = [];
  const names: string[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open < 0) {
      pieces.push(source.slice(at));
      break;
    }
    if (open > at) pieces.push(source.slice(at, open));
    const close = source.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`unclosed {{ at offset ${open}`, open);
    const inner = source.slice(open + 2, close);
    const match = PLACEHOLDER.exec(inner);
    if (!match) throw new TemplateError(`malformed placeholder {{${inner}}} at offset ${open}`, open);
    const name = match[1]!;
    if (!known(name)) throw new TemplateError(`unknown placeholder {{${name}}} at offset ${open}`, open);
    const filters = (match[2] ?? '')
      .split('|')
      .map((f) => f.trim())
      .filter(Boolean)
      .map((f) => {
        const fn = FILTERS[f];
        if (!fn) throw new TemplateError(`unknown filter |${f} at offset ${open}`, open);
        return fn;
      });
    pieces.push({ name, filters });
    names.push(name);
    at = close + 2;
  }
  return {
    names,
    render(values) {
      let out = '';
      for (const piece of pieces) {
        if (typeof piece === 'string') {
          out += piece;
          continue;
        }
        let value = values[piece.name] ?? '';
        for (const f of piece.filters) value = f(value);
        out += value;
      }
      return out;
    },
  };
}

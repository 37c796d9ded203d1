/**
 * Reads a source tree (a map of repository-relative path → text) and reports breaks of the module rules
 * DESIGN.md sets: a one-way module graph, imports of another module only through its `index.ts`, no vendor or
 * IO import inside `src/modules/`, each table written only by the module that owns it, no wall clock inside
 * `src/modules/`, no query in the wiring (`src/main.ts`, `src/cli/`, `src/workers/`).
 * `test/unit/architecture.test.ts` runs it over `src/` and over small fake trees.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';

export type Tree = ReadonlyMap<string, string>;

export interface Violation {
  rule: 'cycle' | 'layer' | 'deep-import' | 'vendor-import' | 'foreign-write' | 'wall-clock' | 'root-query';
  file: string;
  line: number;
  message: string;
}

export interface ImportRef {
  file: string;
  line: number;
  specifier: string;
  /** The repository-relative file the specifier names (without extension), for relative specifiers. */
  target: string | null;
}

/** Every `.ts` file under the given roots, keyed by its path relative to `root`. */
export function readTree(root: string, dirs: readonly string[]): Map<string, string> {
  const tree = new Map<string, string>();
  const walk = (rel: string) => {
    for (const name of readdirSync(join(root, rel))) {
      const path = posix.join(rel, name);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts'))
        tree.set(path, readFileSync(join(root, path), 'utf8'));
    }
  };
  for (const dir of dirs) walk(dir);
  return tree;
}

type Lexed = { code: string; strings: { start: number; text: string }[] };
const lexed = new Map<string, Lexed>();

/**
 * Splits TypeScript text into code and literals: `code` is the text with comments blanked and the insides of
 * strings, templates and regular expressions blanked (line breaks kept, so offsets and lines stay true);
 * `strings` lists each string or template piece with its offset. Enough to find imports, calls and SQL
 * without a parser (the installed `typescript` 7 has no JavaScript compiler API).
 */
export function lex(text: string): Lexed {
  let done = lexed.get(text);
  if (!done) {
    done = lexText(text);
    lexed.set(text, done);
  }
  return done;
}

function lexText(text: string): Lexed {
  const code = text.split('');
  const strings: { start: number; text: string }[] = [];
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i++) if (code[i] !== '\n') code[i] = ' ';
  };
  const braces: number[] = []; // for each open template substitution, the brace depth it started at
  let depth = 0;
  let lastSignificant = '';
  let i = 0;
  const n = text.length;
  const readTemplate = (from: number): number => {
    // from: just after ` or after the } closing a substitution; returns the index after the piece's end
    let j = from;
    while (j < n) {
      const c = text[j];
      if (c === '\\') j += 2;
      else if (c === '`') {
        strings.push({ start: from, text: text.slice(from, j) });
        blank(from, j);
        return j + 1;
      } else if (c === '$' && text[j + 1] === '{') {
        strings.push({ start: from, text: text.slice(from, j) });
        blank(from, j);
        braces.push(depth);
        depth++;
        return j + 2;
      } else j++;
    }
    return n;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < n && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      strings.push({ start: i + 1, text: text.slice(i + 1, j) });
      blank(i + 1, j);
      i = j + 1;
      lastSignificant = 'a';
    } else if (c === '`') {
      i = readTemplate(i + 1);
      lastSignificant = 'a';
    } else if (c === '/' && (lastSignificant === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(lastSignificant))) {
      // a regular expression literal
      let j = i + 1;
      let inClass = false;
      while (j < n && text[j] !== '\n') {
        const d = text[j];
        if (d === '\\') j += 2;
        else {
          if (d === '[') inClass = true;
          else if (d === ']') inClass = false;
          else if (d === '/' && !inClass) break;
          j++;
        }
      }
      blank(i + 1, j);
      i = j + 1;
      lastSignificant = 'a';
    } else if (c === '{') {
      depth++;
      lastSignificant = c;
      i++;
    } else if (c === '}') {
      depth--;
      if (braces.length > 0 && braces[braces.length - 1] === depth) {
        braces.pop();
        i = readTemplate(i + 1);
        lastSignificant = 'a';
      } else {
        lastSignificant = c;
        i++;
      }
    } else {
      if (!/\s/.test(c)) {
        // a keyword such as `return` or `typeof` may be followed by a regular expression
        if (/[A-Za-z_$0-9]/.test(c)) {
          let j = i;
          while (j < n && /[A-Za-z_$0-9]/.test(text[j]!)) j++;
          const word = text.slice(i, j);
          lastSignificant = /^(return|typeof|case|do|else|in|of|void|yield|await)$/.test(word) ? '(' : 'a';
          i = j;
          continue;
        }
        lastSignificant = c === ')' || c === ']' ? 'a' : c;
      }
      i++;
    }
  }
  return { code: code.join(''), strings };
}

const lineStarts = new Map<string, number[]>();

/** The 1-based line of an offset. */
function lineOf(text: string, pos: number): number {
  let starts = lineStarts.get(text);
  if (!starts) {
    starts = [0];
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1);
    lineStarts.set(text, starts);
  }
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

const IMPORT_PATTERNS = [
  // import … from '…', export … from '…' (type-only too)
  /\b(?:import|export)\s+(?:type\s+)?(?:[\w$*{}\s,]+?\s+from\s*)?(['"])/g,
  // import('…')
  /\bimport\s*\(\s*(['"])/g,
];

/** A relative specifier → the file it names, without extension (a folder names its `index`). */
function resolve(file: string, specifier: string, tree?: Tree): string {
  const base = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.(js|ts|tsx)$/, '');
  if (tree?.has(`${base}.ts`) || tree?.has(`${base}.tsx`)) return base;
  if (tree?.has(`${base}/index.ts`) || /^src\/modules\/[^/]+$/.test(base)) return `${base}/index`;
  return base;
}

/** The import and re-export specifiers of a file (static, dynamic and type-only), with their lines. */
export function importsOf(file: string, text: string, tree?: Tree): ImportRef[] {
  const { code, strings } = lex(text);
  const byStart = new Map(strings.map((s) => [s.start, s.text]));
  const out: ImportRef[] = [];
  for (const re of IMPORT_PATTERNS) {
    for (const m of code.matchAll(re)) {
      const at = m.index + m[0].length;
      const specifier = byStart.get(at);
      if (specifier === undefined) continue;
      const target = specifier.startsWith('.') ? resolve(file, specifier, tree) : null;
      out.push({ file, line: lineOf(text, m.index), specifier, target });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

/** `src/modules/<name>/…` → `<name>`; other paths → null. */
export function moduleOf(path: string): string | null {
  const m = /^src\/modules\/([^/]+)\//.exec(path);
  return m ? m[1]! : null;
}

/** Module → module edges (the first import that makes each edge, for the message). */
export function moduleEdges(tree: Tree): Map<string, Map<string, ImportRef>> {
  const edges = new Map<string, Map<string, ImportRef>>();
  for (const [file, text] of tree) {
    const from = moduleOf(file);
    if (!from) continue;
    for (const ref of importsOf(file, text, tree)) {
      const to = ref.target ? moduleOf(`${ref.target}.ts`) : null;
      if (!to || to === from) continue;
      const out = edges.get(from) ?? new Map<string, ImportRef>();
      edges.set(from, out);
      if (!out.has(to)) out.set(to, ref);
    }
  }
  return edges;
}

/** Each cycle between modules, found as strongly connected components of the module graph (Tarjan). */
export function checkCycles(tree: Tree): Violation[] {
  const edges = moduleEdges(tree);
  const nodes = [...new Set([...edges.keys(), ...[...edges.values()].flatMap((m) => [...m.keys()])])].sort();
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const w of [...(edges.get(v)?.keys() ?? [])].sort()) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return components.map((component) => {
    const inside = new Set(component);
    const refs = component.flatMap((from) =>
      [...(edges.get(from) ?? new Map<string, ImportRef>())]
        .filter(([to]) => inside.has(to))
        .map(([to, ref]) => `${from} → ${to} (${ref.file}:${ref.line} imports '${ref.specifier}')`),
    );
    const first = component[0]!;
    const ref = [...(edges.get(first) ?? new Map<string, ImportRef>())].find(([to]) => inside.has(to))![1];
    return {
      rule: 'cycle' as const,
      file: ref.file,
      line: ref.line,
      message: `modules ${component.join(', ')} import each other:\n    ${refs.join('\n    ')}`,
    };
  });
}

/**
 * Each module imports only modules on its own layer or below: `layers` maps module → layer number (0 = leaf).
 * A module missing from the map is reported, so a new module gets a place in the order.
 */
export function checkLayers(tree: Tree, layers: Readonly<Record<string, number>>): Violation[] {
  const out: Violation[] = [];
  for (const [from, targets] of moduleEdges(tree)) {
    for (const [to, ref] of targets) {
      const a = layers[from];
      const b = layers[to];
      if (a === undefined || b === undefined) {
        const missing = a === undefined ? from : to;
        out.push({
          rule: 'layer',
          file: ref.file,
          line: ref.line,
          message: `module ${missing} has no layer in the module order`,
        });
      } else if (b > a) {
        out.push({
          rule: 'layer',
          file: ref.file,
          line: ref.line,
          message: `module ${from} (layer ${a}) imports '${ref.specifier}' from module ${to} (layer ${b}), which is above it in the module order`,
        });
      }
    }
  }
  return out;
}

/** kernel and storage sit below every module: they import nothing from modules, adapters or the app around them. */
export function checkFoundation(tree: Tree): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of tree) {
    const base = /^src\/(kernel|storage)\//.exec(file);
    if (!base) continue;
    for (const ref of importsOf(file, text, tree)) {
      if (!ref.target) continue;
      const above = /^src\/(modules|adapters|http|queue|workers|cli|main)\b/.exec(ref.target);
      if (!above) continue;
      out.push({
        rule: 'layer',
        file,
        line: ref.line,
        message: `${base[1]} imports '${ref.specifier}' from src/${above[1]}, which is above it`,
      });
    }
  }
  return out;
}

/** Folders whose imports of a module must go through that module's `index.ts`. */
const IMPORTERS = /^src\/(modules|adapters|http|cli|workers|queue|main\.ts)/;

/** An import into another module's folder must name its `index.ts` (`../accounts/index.js`). */
export function checkDeepImports(tree: Tree): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of tree) {
    if (!IMPORTERS.test(file)) continue;
    const own = moduleOf(file);
    for (const ref of importsOf(file, text, tree)) {
      if (!ref.target) continue;
      const to = moduleOf(`${ref.target}.ts`);
      if (!to || to === own) continue;
      if (ref.target === `src/modules/${to}/index`) continue;
      out.push({
        rule: 'deep-import',
        file,
        line: ref.line,
        message: `imports '${ref.specifier}' inside module ${to}; import it through src/modules/${to}/index.ts`,
      });
    }
  }
  return out;
}

/** Vendor packages and Node modules that do outside IO, forbidden inside `src/modules/`. */
export const VENDOR_IO: readonly RegExp[] = [
  /^node:(http|https|http2|net|tls|dns|dgram|fs|fs\/promises|worker_threads|child_process|cluster)$/,
  /^(http|https|net|tls|dns|fs|worker_threads|child_process)$/,
  /^(sharp|exceljs|@node-rs\/argon2|argon2|otplib|pg|better-sqlite3|ioredis|bullmq|smpp|nodemailer)(\/|$)/,
  /^(fastify|@fastify\/)/,
];

export interface VendorException {
  file: string;
  specifier: string;
  reason: string;
}

export function checkVendorImports(tree: Tree, exceptions: readonly VendorException[]): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of tree) {
    if (!file.startsWith('src/modules/')) continue;
    for (const ref of importsOf(file, text, tree)) {
      if (!VENDOR_IO.some((re) => re.test(ref.specifier))) continue;
      if (exceptions.some((e) => e.file === file && e.specifier === ref.specifier)) continue;
      out.push({
        rule: 'vendor-import',
        file,
        line: ref.line,
        message: `imports '${ref.specifier}' (vendor or outside IO) inside a module; move it to src/adapters/ behind a port, or list it with its reason in the exceptions table`,
      });
    }
  }
  return out;
}

export interface TableWrite {
  file: string;
  line: number;
  table: string;
  how: string;
}

const WRITE_CALL = /\.\s*(insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\s*\(\s*(['"`])/g;
const RAW_WRITE =
  /\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([a-z_][a-z0-9_]*)"?/gi;

/** Every table write in a file: Kysely's write builders with a literal table name, and raw SQL in strings. */
export function tableWrites(file: string, text: string): TableWrite[] {
  const { code, strings } = lex(text);
  const byStart = new Map(strings.map((s) => [s.start, s.text]));
  const out: TableWrite[] = [];
  for (const m of code.matchAll(WRITE_CALL)) {
    const literal = byStart.get(m.index + m[0].length);
    if (literal === undefined) continue;
    const table = literal.trim().split(/\s+/)[0]!;
    out.push({ file, line: lineOf(text, m.index), table, how: `${m[1]}('${table}')` });
  }
  for (const piece of strings) {
    for (const m of piece.text.matchAll(RAW_WRITE)) {
      const table = m[1]!.toLowerCase();
      // UPDATE inside ON CONFLICT … DO UPDATE SET names no table
      if (table === 'set') continue;
      out.push({ file, line: lineOf(text, piece.start + m.index), table, how: `SQL '${m[0]}'` });
    }
  }
  return out.sort((a, b) => a.line - b.line);
}

export interface WriteException {
  file: string;
  table: string;
  reason: string;
}

/**
 * A module writes only the tables the owner map gives it. Writes from `compliance/` to another module's table
 * are flagged too unless listed: compliance erases others' data through their own erase functions.
 */
export function checkTableWrites(
  tree: Tree,
  owners: Readonly<Record<string, string>>,
  exceptions: readonly WriteException[],
): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of tree) {
    const mod = moduleOf(file);
    if (!mod) continue;
    for (const w of tableWrites(file, text)) {
      const owner = owners[w.table];
      if (owner === mod) continue;
      if (exceptions.some((e) => e.file === file && e.table === w.table)) continue;
      out.push({
        rule: 'foreign-write',
        file,
        line: w.line,
        message:
          owner === undefined
            ? `${w.how} writes table ${w.table}, which has no owner in the owner map`
            : `${w.how} writes table ${w.table}, owned by module ${owner}; call that module instead`,
      });
    }
  }
  return out;
}

/** `Date.now()` and `new Date()` with no argument read the wall clock; modules take time from the injected Clock. */
export function checkWallClock(tree: Tree): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of tree) {
    if (!file.startsWith('src/modules/')) continue;
    const { code } = lex(text);
    for (const m of code.matchAll(/\bDate\s*\.\s*now\s*\(|\bnew\s+Date\s*(\(\s*\)|(?![\s(]))/g)) {
      const what = m[0].startsWith('new') ? 'new Date()' : 'Date.now()';
      out.push({
        rule: 'wall-clock',
        file,
        line: lineOf(text, m.index),
        message: `${what} reads the wall clock; take the time from the injected Clock`,
      });
    }
  }
  return out;
}

/** The files that only wire: the composition root, the command line and the background schedule. */
const WIRING = /^src\/(main\.ts$|cli\/|workers\/)/;

const QUERY_CALL =
  /\.\s*(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto|transaction|executeQuery)\s*\(|\bsql\s*(`|\.\s*(raw|lit|ref|id|table|join)\b)/g;
const RAW_QUERY = /\b(SELECT\b[\s\S]*\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b/;

/**
 * `src/main.ts`, `src/cli/` and `src/workers/` only wire: no query (a Kysely builder, a transaction, an `sql`
 * template or raw SQL in a string) — a query belongs to the module that owns its tables, as a named function.
 */
export function checkRootQueries(tree: Tree): Violation[] {
  const out: Violation[] = [];
  const violation = (file: string, line: number, what: string): Violation => ({
    rule: 'root-query',
    file,
    line,
    message: `${what} in wiring code; move the query into the module that owns its tables, as a named function`,
  });
  for (const [file, text] of tree) {
    if (!WIRING.test(file)) continue;
    const { code, strings } = lex(text);
    const found: Violation[] = [];
    for (const m of code.matchAll(QUERY_CALL))
      found.push(violation(file, lineOf(text, m.index), m[1] ? `.${m[1]}()` : 'an sql`…` template'));
    for (const piece of strings) {
      const m = RAW_QUERY.exec(piece.text);
      if (m)
        found.push(violation(file, lineOf(text, piece.start + m.index), `SQL '${m[1]!.split(/\s+/)[0]}'`));
    }
    out.push(...found.sort((a, b) => a.line - b.line));
  }
  return out;
}

export function formatViolations(violations: readonly Violation[]): string {
  return violations.map((v) => `${v.file}:${v.line}: [${v.rule}] ${v.message}`).join('\n');
}

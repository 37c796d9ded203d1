import { useId, useState } from 'react';
import { FormError } from '../forms';

/** A route type as GET /v1/admin/route-types describes it. */
export interface RouteType {
  type: string;
  label: string;
  description: string;
  secretKeys: string[];
  configSchema: JsonSchema;
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  format?: string;
  writeOnly?: boolean;
  properties?: Record<string, JsonSchema>;
  required?: string[];
}

type Values = Record<string, string | boolean>;

const kindOf = (s: JsonSchema): 'enum' | 'boolean' | 'number' | 'object' | 'text' => {
  if (s.enum) return 'enum';
  const t = Array.isArray(s.type) ? s.type[0] : s.type;
  if (t === 'boolean') return 'boolean';
  if (t === 'integer' || t === 'number') return 'number';
  if (t === 'object' && s.properties) return 'object';
  return 'text';
};

/** Form values (by "key" or "parent.key") from a config; credentials always start blank. */
function valuesOf(
  schema: JsonSchema,
  config: Record<string, unknown>,
  secrets: string[],
  prefix = '',
): Values {
  const out: Values = {};
  for (const [key, field] of Object.entries(schema.properties ?? {})) {
    const path = prefix + key;
    const value = config[key] ?? field.default;
    const kind = kindOf(field);
    if (kind === 'object')
      Object.assign(out, valuesOf(field, (value ?? {}) as Record<string, unknown>, [], `${path}.`));
    else if (kind === 'boolean') out[path] = value === true;
    else out[path] = secrets.includes(key) || value === undefined || value === null ? '' : String(value);
  }
  return out;
}

/**
 * The config a form holds. Empty fields are left out (their defaults apply); when editing, an emptied
 * optional field is sent as null (taken out), and an empty credential is left out (the stored one is kept).
 */
function configOf(
  schema: JsonSchema,
  values: Values,
  secrets: string[],
  editing: boolean,
  prefix = '',
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(schema.properties ?? {})) {
    const path = prefix + key;
    const kind = kindOf(field);
    if (kind === 'object') {
      const nested = configOf(field, values, [], editing, `${path}.`);
      if (Object.keys(nested).length > 0) out[key] = nested;
      continue;
    }
    const v = values[path];
    if (kind === 'boolean') out[key] = v === true;
    else if (v === '' || v === undefined) {
      if (editing && !secrets.includes(key) && !prefix) out[key] = null;
    } else if (kind === 'number') out[key] = Number(v);
    else out[key] = v;
  }
  return out;
}

function Field({
  name,
  field,
  required,
  secret,
  editing,
  value,
  error,
  onChange,
}: {
  name: string;
  field: JsonSchema;
  required: boolean;
  secret: boolean;
  editing: boolean;
  value: string | boolean;
  error?: string | undefined;
  onChange: (v: string | boolean) => void;
}) {
  const id = useId();
  const label = field.title ?? name;
  const kind = kindOf(field);
  const hint = secret && editing ? 'Leave blank to keep the stored one.' : field.description;
  const described = error ? `${id}-err` : hint ? `${id}-hint` : undefined;
  const common = {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': described,
  } as const;
  let input: React.ReactNode;
  if (kind === 'boolean')
    input = (
      <input
        {...common}
        type="checkbox"
        checked={value === true}
        onChange={(e) => onChange(e.target.checked)}
      />
    );
  else if (kind === 'enum')
    input = (
      <select {...common} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {field.default === undefined ? <option value="">—</option> : null}
        {(field.enum ?? []).map((o) => (
          <option key={String(o)} value={String(o)}>
            {String(o)}
          </option>
        ))}
      </select>
    );
  else
    input = (
      <input
        {...common}
        type={secret || field.format === 'password' ? 'password' : kind === 'number' ? 'number' : 'text'}
        autoComplete={secret ? 'new-password' : 'off'}
        step={kind === 'number' ? 'any' : undefined}
        min={field.minimum}
        max={field.maximum}
        placeholder={field.default !== undefined && field.default !== '' ? String(field.default) : undefined}
        required={required && !(secret && editing)}
        value={String(value)}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  return (
    <div className={kind === 'boolean' ? 'field checkbox' : 'field'}>
      {kind === 'boolean' ? (
        <>
          {input}
          <label htmlFor={id}>{label}</label>
        </>
      ) : (
        <>
          <label htmlFor={id}>
            {label}
            {required ? null : <span className="muted"> (optional)</span>}
          </label>
          {input}
        </>
      )}
      {hint && !error ? (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {error ? (
        <p className="field-error" id={`${id}-err`} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/**
 * A route's config as a form generated from its type's JSON Schema (text, number, yes/no, choice and
 * password fields; nested objects one level deep), with the raw JSON behind an "Advanced" switch.
 * `errors` are the server's, by config field.
 */
export function RouteConfigFields({
  routeType,
  config,
  editing,
  errors,
  onConfig,
}: {
  routeType: RouteType;
  config: Record<string, unknown>;
  editing: boolean;
  errors: Record<string, string>;
  onConfig: (get: () => Record<string, unknown> | null) => void;
}) {
  const schema = routeType.configSchema;
  const secrets = routeType.secretKeys;
  const [values, setValues] = useState<Values>(() => valuesOf(schema, config, secrets));
  const [advanced, setAdvanced] = useState(false);
  const [raw, setRaw] = useState('');
  const [rawError, setRawError] = useState<string | null>(null);
  const rawId = useId();
  const current = () => configOf(schema, values, secrets, editing);
  // The parent asks for the config at submit time.
  onConfig(() => {
    if (!advanced) return current();
    try {
      setRawError(null);
      return JSON.parse(raw || '{}') as Record<string, unknown>;
    } catch {
      setRawError('The configuration is not valid JSON.');
      return null;
    }
  });
  const toggle = () => {
    if (!advanced) {
      setRaw(JSON.stringify(current(), null, 2));
      setAdvanced(true);
      return;
    }
    try {
      const parsed = JSON.parse(raw || '{}') as Record<string, unknown>;
      setValues(valuesOf(schema, parsed, [], ''));
      setRawError(null);
      setAdvanced(false);
    } catch {
      setRawError('The configuration is not valid JSON.');
    }
  };
  const renderFields = (s: JsonSchema, prefix: string, topSecrets: string[]) =>
    Object.entries(s.properties ?? {}).map(([key, field]) => {
      const path = prefix + key;
      if (kindOf(field) === 'object')
        return (
          <fieldset key={path}>
            <legend>{field.title ?? key}</legend>
            {renderFields(field, `${path}.`, [])}
          </fieldset>
        );
      return (
        <Field
          key={path}
          name={key}
          field={field}
          required={(s.required ?? []).includes(key)}
          secret={topSecrets.includes(key)}
          editing={editing}
          value={values[path] ?? ''}
          error={prefix ? undefined : errors[key]}
          onChange={(v) => setValues((old) => ({ ...old, [path]: v }))}
        />
      );
    });
  return (
    <div className="schema-form">
      <p className="hint">{routeType.description}</p>
      {advanced ? (
        <div className="field">
          <label htmlFor={rawId}>Configuration (JSON)</label>
          <textarea
            id={rawId}
            rows={10}
            value={raw}
            aria-invalid={rawError ? true : undefined}
            onChange={(e) => setRaw(e.target.value)}
          />
          <p className="hint">
            {editing ? 'Fields are merged into the stored config; null takes one out.' : null} Credentials are
            never shown: leave them out to keep the stored ones.
          </p>
        </div>
      ) : (
        renderFields(schema, '', secrets)
      )}
      <FormError message={rawError ?? (advanced ? Object.values(errors).join(' ') || null : null)} />
      <button type="button" aria-pressed={advanced} onClick={toggle}>
        {advanced ? 'Back to the form' : 'Advanced (JSON)'}
      </button>
    </div>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { ApiError, api, type Page, problemFields } from '../api';
import { adminKeys, useAdminAccounts, useAdminRoutes } from '../api/admin';
import { ConfirmButton } from '../components/confirm-button';
import { PageLayout } from '../components/page';
import { FormError, TextField } from '../forms';
import { usePageTitle } from '../router';
import { toast } from '../toast';
import { type Strategy, StrategyFields, strategyText } from './rule-strategy';

interface RuleMatch {
  accountId?: string;
  countries?: string[];
  prefixes?: string[];
  type?: string;
  sender?: string;
}

interface Rule {
  id: string;
  priority: number;
  match: RuleMatch;
  routeIds: string[];
  allowSimulator: boolean;
  strategy: Strategy;
  minDeliveryRate: number;
  maxLatencyMs: number;
  window: number;
  probeShare: number;
}

interface RouteChoice {
  id: string;
  name: string;
  simulated: boolean;
}

/** The built-in simulator route is always there, without a row in the routes list. */
const BUILT_IN: RouteChoice = { id: 'simulator', name: 'Built-in simulator', simulated: true };

/** "1. carrier, 2. Built-in simulator": the order in which a rule tries its routes. */
function routeOrder(ids: string[], name: (id: string) => string): string {
  return ids.map((id, i) => `${i + 1}. ${name(id)}`).join(', ');
}

/**
 * The routes of a rule in the order the operator picks: added one by one, moved up or down, removed.
 * Simulated routes are offered only once the simulator is allowed for the rule.
 */
function RoutePicker(props: {
  choices: RouteChoice[];
  chosen: string[];
  onChange: (ids: string[]) => void;
  allowSimulator: boolean;
  onAllowSimulator: (allowed: boolean) => void;
  error: string | undefined;
}) {
  const { choices, chosen, onChange } = props;
  const byId = new Map(choices.map((c) => [c.id, c]));
  const name = (id: string) => byId.get(id)?.name ?? id;
  const move = (from: number, to: number) => {
    const next = [...chosen];
    const [id] = next.splice(from, 1);
    next.splice(to, 0, id!);
    onChange(next);
  };
  const addable = choices.filter((c) => !chosen.includes(c.id) && (props.allowSimulator || !c.simulated));
  return (
    <fieldset aria-describedby="rule-routes-hint">
      <legend>Routes, in order</legend>
      <p className="hint" id="rule-routes-hint">
        The first route takes the message; the next one takes over when it fails.
      </p>
      {chosen.length === 0 ? <p className="muted">No route chosen yet.</p> : null}
      <ol className="list" data-testid="chosen-routes">
        {chosen.map((id, i) => (
          <li key={id} className="row">
            <span>
              {i + 1}. {name(id)}
              {byId.get(id)?.simulated ? (
                <>
                  {' '}
                  <span className="badge">simulated</span>
                </>
              ) : null}
            </span>
            <span className="toolbar">
              <button type="button" onClick={() => move(i, i - 1)} disabled={i === 0}>
                Up<span className="sr-only"> {name(id)}</span>
              </button>
              <button type="button" onClick={() => move(i, i + 1)} disabled={i === chosen.length - 1}>
                Down<span className="sr-only"> {name(id)}</span>
              </button>
              <button type="button" onClick={() => onChange(chosen.filter((x) => x !== id))}>
                Remove<span className="sr-only"> {name(id)}</span>
              </button>
            </span>
          </li>
        ))}
      </ol>
      {addable.length > 0 ? (
        <div className="toolbar">
          {addable.map((c) => (
            <button key={c.id} type="button" onClick={() => onChange([...chosen, c.id])}>
              Add {c.name}
            </button>
          ))}
        </div>
      ) : null}
      <label className="check">
        <input
          type="checkbox"
          checked={props.allowSimulator}
          onChange={(e) => {
            props.onAllowSimulator(e.target.checked);
            if (!e.target.checked) onChange(chosen.filter((id) => !byId.get(id)?.simulated));
          }}
        />{' '}
        Allow the simulator in this rule (test traffic: it reaches no real phone)
      </label>
      {props.error ? (
        <p className="field-error" role="alert">
          {props.error}
        </p>
      ) : null}
    </fieldset>
  );
}

function list(v: FormDataEntryValue | null, upper = false): string[] | undefined {
  const items = String(v ?? '')
    .split(/[\s,;]+/)
    .map((s) => (upper ? s.toUpperCase() : s))
    .filter(Boolean);
  return items.length ? items : undefined;
}

/** `/body/match/countries/0` belongs to the countries field, `/body/routeIds/1` to the routes. */
function ruleFields(error: unknown) {
  const { fields, general } = problemFields(error);
  if (error instanceof ApiError) {
    for (const e of error.errors) {
      const m = e.path.match(/^\/body\/match\/([^/]+)/);
      if (m?.[1] && !fields[m[1]]) fields[m[1]] = e.message;
    }
  }
  return { fields, general };
}

function describe(match: RuleMatch, accountName: (id: string) => string): string {
  const parts: string[] = [];
  if (match.countries) parts.push(`countries ${match.countries.join(', ')}`);
  if (match.prefixes) parts.push(`prefixes ${match.prefixes.join(', ')}`);
  if (match.type) parts.push(`${match.type} messages`);
  if (match.sender) parts.push(`sender ${match.sender}`);
  if (match.accountId) parts.push(`account ${accountName(match.accountId)}`);
  return parts.length ? parts.join(' · ') : 'every message';
}

export function AdminRulesPage() {
  usePageTitle('Routing rules');
  const client = useQueryClient();
  const rules = useQuery({
    queryKey: adminKeys.rules(),
    queryFn: () => api<Page<Rule>>('GET', '/v1/admin/routing-rules'),
  });
  const routes = useAdminRoutes();
  const accounts = useAdminAccounts();
  const accountList = accounts.data?.pages.flatMap((p) => p.data) ?? [];
  const accountName = (id: string) => accountList.find((a) => a.id === id)?.name ?? id;
  const routeChoices: RouteChoice[] = [
    BUILT_IN,
    ...(routes.data?.data ?? []).map((r) => ({ id: r.id, name: r.name, simulated: r.type === 'simulator' })),
  ];
  const routeName = (id: string) => routeChoices.find((r) => r.id === id)?.name ?? id;
  const [chosen, setChosen] = useState<string[]>([]);
  const [allowSimulator, setAllowSimulator] = useState(false);
  const [strategy, setStrategy] = useState<Strategy>('priority');
  const refresh = () => client.invalidateQueries({ queryKey: adminKeys.rules() });
  const create = useMutation({
    mutationFn: (body: unknown) => api<Rule>('POST', '/v1/admin/routing-rules', body, true),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api<void>('DELETE', `/v1/admin/routing-rules/${id}`),
    onSuccess: () => {
      toast('Routing rule deleted.');
      return refresh();
    },
  });
  const { fields, general } = ruleFields(create.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    const match: RuleMatch = {};
    const countries = list(data.get('countries'), true);
    const prefixes = list(data.get('prefixes'));
    const type = String(data.get('type') ?? '');
    const sender = String(data.get('sender') ?? '').trim();
    const accountId = String(data.get('accountId') ?? '');
    if (countries) match.countries = countries;
    if (prefixes) match.prefixes = prefixes;
    if (type) match.type = type;
    if (sender) match.sender = sender;
    if (accountId) match.accountId = accountId;
    const priority = String(data.get('priority') ?? '').trim();
    // Thresholds left empty keep the server's defaults.
    const optional = (name: string, scale = 1) => {
      const v = String(data.get(name) ?? '').trim();
      return v === '' ? undefined : Number(v.replace(',', '.')) * scale;
    };
    create.mutate(
      {
        priority: priority === '' ? undefined : Number(priority),
        match,
        routeIds: chosen,
        allowSimulator,
        strategy,
        ...(strategy === 'priority'
          ? {}
          : {
              minDeliveryRate: optional('minDeliveryRate', 0.01),
              maxLatencyMs: optional('maxLatencySeconds', 1000),
              window: optional('window'),
              probeShare: optional('probeShare', 0.01),
            }),
      },
      {
        onSuccess: () => {
          form.reset();
          setChosen([]);
          setAllowSimulator(false);
          setStrategy('priority');
        },
      },
    );
  };
  return (
    <PageLayout title="Routing rules">
      <p>
        A message goes to the routes of the first rule that matches it; rules with lower priority numbers are
        tried first, and the next route of a rule takes over when one fails.
      </p>
      {rules.error ? <p role="alert">{(rules.error as Error).message}</p> : null}
      {rules.data && rules.data.data.length === 0 ? <p className="muted">No rules yet.</p> : null}
      <ol className="cards" data-testid="rules">
        {rules.data?.data.map((r) => (
          <li key={r.id} className="card">
            <div className="row">
              <span>
                <span className="badge">priority {r.priority}</span>{' '}
                <strong>{describe(r.match, accountName)}</strong>
              </span>
              <ConfirmButton
                className="danger"
                ask={{
                  title: `Delete the rule with priority ${r.priority}?`,
                  body: <p>Messages it matched go to the next matching rule, or to the default routes.</p>,
                  confirmLabel: 'Delete rule',
                  danger: true,
                }}
                onConfirm={() => remove.mutate(r.id)}
                disabled={remove.isPending}
              >
                Delete<span className="sr-only"> rule with priority {r.priority}</span>
              </ConfirmButton>
            </div>
            <p className="muted" data-testid="rule-routes">
              → {routeOrder(r.routeIds, routeName)}
              {r.allowSimulator ? (
                <>
                  {' '}
                  <span className="badge">simulator allowed</span>
                </>
              ) : null}
            </p>
            <p className="muted" data-testid="rule-strategy">
              Picks {strategyText(r)}
            </p>
          </li>
        ))}
      </ol>
      <FormError message={problemFields(remove.error).general} />
      <section className="card" aria-labelledby="add-rule-h">
        <h2 id="add-rule-h">Add a rule</h2>
        <form onSubmit={onSubmit} noValidate>
          <TextField
            label="Priority"
            name="priority"
            type="number"
            min={0}
            required
            error={fields.priority}
            hint="Lower numbers are tried first."
          />
          <TextField
            label="Countries"
            name="countries"
            error={fields.countries}
            hint="Two-letter codes separated by commas, e.g. LV, EE. Empty: any country."
          />
          <TextField
            label="Number prefixes"
            name="prefixes"
            error={fields.prefixes}
            hint="e.g. +37120, +37129. Empty: any number."
          />
          <div className="field">
            <label htmlFor="rule-type">Message type</label>
            <select id="rule-type" name="type" defaultValue="">
              <option value="">Any</option>
              <option value="transactional">Transactional</option>
              <option value="marketing">Marketing</option>
            </select>
          </div>
          <TextField label="Sender" name="sender" error={fields.sender} hint="Empty: any sender." />
          <div className="field">
            <label htmlFor="rule-account">Account</label>
            <select id="rule-account" name="accountId" defaultValue="">
              <option value="">Any account</option>
              {accountList.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
            {fields.accountId ? (
              <p className="field-error" role="alert">
                {fields.accountId}
              </p>
            ) : null}
          </div>
          <RoutePicker
            choices={routeChoices}
            chosen={chosen}
            onChange={setChosen}
            allowSimulator={allowSimulator}
            onAllowSimulator={setAllowSimulator}
            error={fields.routeIds ?? fields.allowSimulator}
          />
          <StrategyFields strategy={strategy} onChange={setStrategy} fields={fields} />
          <FormError message={general} />
          <button type="submit" className="primary" disabled={create.isPending}>
            Add rule
          </button>
        </form>
      </section>
    </PageLayout>
  );
}

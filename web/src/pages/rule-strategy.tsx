import { TextField } from '../forms';

/** How a rule picks among its routes, with the thresholds the server answers (defaults filled in). */
export interface RuleStrategy {
  strategy: Strategy;
  minDeliveryRate: number;
  maxLatencyMs: number;
  window: number;
  probeShare: number;
}

export type Strategy = 'priority' | 'least_cost' | 'quality';
const STRATEGY_LABELS: Record<Strategy, string> = {
  priority: 'In the listed order',
  least_cost: 'Least cost (cheapest healthy route first)',
  quality: 'Quality (best delivery rate first)',
};

/** "least cost · under 80 % delivered or over 60 s demoted": how a rule picks among its routes. */
export function strategyText(r: RuleStrategy): string {
  if (r.strategy === 'priority') return 'in the listed order';
  return `${r.strategy === 'least_cost' ? 'least cost' : 'quality'} · demoted under ${Math.round(
    r.minDeliveryRate * 100,
  )} % delivered or over ${r.maxLatencyMs / 1000} s, judged on the last ${r.window} receipts · ${Math.round(
    r.probeShare * 100,
  )} % probes`;
}

/** The strategy select of the rule form and, unless it keeps the listed order, its thresholds. */
export function StrategyFields({
  strategy,
  onChange,
  fields,
}: {
  strategy: Strategy;
  onChange: (s: Strategy) => void;
  fields: Record<string, string | undefined>;
}) {
  const setStrategy = onChange;
  return (
    <>
      <div className="field">
        <label htmlFor="rule-strategy">How the rule picks among its routes</label>
        <select
          id="rule-strategy"
          name="strategy"
          value={strategy}
          onChange={(e) => setStrategy(e.target.value as Strategy)}
        >
          {(Object.keys(STRATEGY_LABELS) as Strategy[]).map((s) => (
            <option key={s} value={s}>
              {STRATEGY_LABELS[s]}
            </option>
          ))}
        </select>
      </div>
      {strategy === 'priority' ? null : (
        <fieldset>
          <legend>Thresholds (empty: the default)</legend>
          <TextField
            label="Lowest delivery rate (%)"
            name="minDeliveryRate"
            inputMode="decimal"
            error={fields.minDeliveryRate}
            hint="A route delivering less is demoted: tried after the healthy ones. Default 80."
          />
          <TextField
            label="Longest mean delivery time (seconds)"
            name="maxLatencySeconds"
            inputMode="decimal"
            error={fields.maxLatencyMs}
            hint="From submit to receipt. Default 60."
          />
          <TextField
            label="Receipts judged"
            name="window"
            inputMode="numeric"
            error={fields.window}
            hint="The last N receipts per route and country. Default 200."
          />
          <TextField
            label="Probe share (%)"
            name="probeShare"
            inputMode="decimal"
            error={fields.probeShare}
            hint="Share of messages sent to a demoted route first, so it can come back. Default 5."
          />
        </fieldset>
      )}
    </>
  );
}

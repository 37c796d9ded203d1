import type { Template } from '../../api/campaigns';
import { TextField } from '../../forms';
import type { Count } from '../../sms';
import { LABELS, MAX_VARIANTS, type VariantDraft } from './draft';
import { CampaignText } from './text';

/** The texts of an A/B split, each with its share of the audience; 2 to `MAX_VARIANTS` of them. */
export function VariantsFieldset({
  variants,
  onChange,
  onAdd,
  countOf,
  templates,
  errors,
  splitError,
}: {
  variants: VariantDraft[];
  /** Takes an update of the list (React's state setter fits). */
  onChange: (update: (variants: VariantDraft[]) => VariantDraft[]) => void;
  onAdd: () => void;
  countOf: (text: string) => Count;
  templates: Template[];
  /** A problem per variant, by its place in the list. */
  errors: Record<number, string>;
  /** A problem with the split as a whole (the percents). */
  splitError: string | undefined;
}) {
  const percentSum = variants.reduce((n, v) => n + (Number(v.percent) || 0), 0);
  const setVariant = (key: number, change: Partial<VariantDraft>) =>
    onChange((vs) => vs.map((v) => (v.key === key ? { ...v, ...change } : v)));
  return (
    <fieldset data-testid="variants">
      <legend>Variants</legend>
      <p className="hint">
        Each recipient gets one variant, always the same one for this campaign. The percents must add up to
        100 (now <strong data-testid="percent-sum">{percentSum}</strong>).
      </p>
      {variants.map((v, i) => (
        <div key={v.key} className="variant">
          <CampaignText
            label={`Variant ${LABELS[i]}`}
            name={`variant-${LABELS[i]}`}
            value={v.text}
            onChange={(t) => setVariant(v.key, { text: t })}
            count={countOf(v.text)}
            error={errors[i]}
            templates={templates}
          />
          <div className="inline-form">
            <TextField
              label={`Share of variant ${LABELS[i]} (%)`}
              name={`percent-${LABELS[i]}`}
              type="number"
              min={1}
              max={99}
              value={v.percent}
              onChange={(e) => setVariant(v.key, { percent: e.target.value })}
            />
            {variants.length > 2 ? (
              <button type="button" onClick={() => onChange((vs) => vs.filter((x) => x.key !== v.key))}>
                Remove variant {LABELS[i]}
              </button>
            ) : null}
          </div>
        </div>
      ))}
      {variants.length < MAX_VARIANTS ? (
        <button type="button" onClick={onAdd}>
          Add a variant
        </button>
      ) : null}
      {splitError ? (
        <p className="field-error" role="alert">
          {splitError}
        </p>
      ) : null}
    </fieldset>
  );
}

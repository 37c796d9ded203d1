import { formatCredits } from '../../api';
import type { CampaignPreview } from '../../api/campaigns';

/** A draft's audience and cost as the preview counted them, with a few recipients' texts. */
export function PreviewCard({ preview }: { preview: CampaignPreview }) {
  return (
    <section className="card" aria-labelledby="cpreview-h" data-testid="campaign-preview">
      <h2 id="cpreview-h">Preview</h2>
      <dl className="stats">
        <div>
          <dt>Recipients</dt>
          <dd>{preview.recipients}</dd>
        </div>
        <div>
          <dt>Parts</dt>
          <dd>{preview.segments}</dd>
        </div>
        <div>
          <dt>Cost ({preview.currency})</dt>
          <dd>{formatCredits(preview.cost)}</dd>
        </div>
      </dl>
      {preview.variants ? (
        <ul className="list" aria-label="Cost by variant">
          {preview.variants.map((v) => (
            <li key={v.label}>
              Variant {v.label}: {v.recipients} recipients, {v.segments} parts, {formatCredits(v.cost)}{' '}
              credits
            </li>
          ))}
        </ul>
      ) : null}
      {preview.samples.length > 0 ? (
        <ul className="list">
          {preview.samples.slice(0, 5).map((s) => (
            <li key={s.to}>
              <strong className="nowrap">{s.to}</strong>
              {s.variant ? ` (variant ${s.variant})` : ''}: <span className="text-preview">{s.text}</span>{' '}
              <span className="muted">
                ({s.encoding}, {s.segments} {s.segments === 1 ? 'part' : 'parts'})
              </span>
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

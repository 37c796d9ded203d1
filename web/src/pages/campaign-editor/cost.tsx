import { formatCredits } from '../../api';
import type { CampaignPreview } from '../../api/campaigns';

/** The draft's cost: exact from the preview of the saved draft; an estimate while the text has changed. */
export function CostLine({
  preview,
  unchanged,
  parts,
}: {
  preview: CampaignPreview | undefined;
  unchanged: boolean;
  /** Parts of each text being edited, with the share of recipients it goes to. */
  parts: Array<{ parts: number; recipients: number }>;
}) {
  if (!preview) return <p className="muted">Counting the audience…</p>;
  if (preview.recipients === 0)
    return <p className="muted">No contact of the chosen audience can receive this campaign.</p>;
  const exact = (
    <>
      {preview.recipients} {preview.recipients === 1 ? 'recipient' : 'recipients'} × {preview.segments}{' '}
      {preview.segments === 1 ? 'part' : 'parts'} in all ={' '}
      <strong>{formatCredits(preview.cost)} credits</strong>
    </>
  );
  if (unchanged) return <p data-testid="campaign-cost">{exact}</p>;
  const perPart = preview.segments > 0 ? preview.cost / preview.segments : 0;
  const estimate = parts.reduce((sum, p) => sum + p.recipients * p.parts * perPart, 0);
  const totalParts = parts.reduce((sum, p) => sum + p.recipients * p.parts, 0);
  return (
    <p data-testid="campaign-cost">
      About {preview.recipients} × {totalParts === 0 ? 0 : (totalParts / preview.recipients).toFixed(1)} parts
      × {formatCredits(perPart)} ≈ <strong>{formatCredits(estimate)} credits</strong>{' '}
      <span className="muted">(saved draft: {formatCredits(preview.cost)}; save to count exactly)</span>
    </p>
  );
}

import { formatCredits, type Preview } from '../../api';
import { Link } from '../../router';

/** The price of the send as typed: recipients × parts, once the preview has counted them. */
export function CostSection({
  canPreview,
  preview,
  counting,
}: {
  /** There is a recipient and a text to price. */
  canPreview: boolean;
  preview: Preview | undefined;
  /** The preview is being fetched. */
  counting: boolean;
}) {
  return (
    <section className="cost" aria-live="polite" aria-labelledby="cost-h">
      <h2 id="cost-h">Cost</h2>
      {!canPreview ? (
        <p className="muted">Add a recipient and a text to see the price.</p>
      ) : preview ? (
        <p data-testid="cost">
          {preview.recipients.length} {preview.recipients.length === 1 ? 'recipient' : 'recipients'} ×{' '}
          {preview.segments} {preview.segments === 1 ? 'part' : 'parts'} ={' '}
          <strong>{formatCredits(preview.total)} credits</strong>
          {preview.errors?.length ? (
            <span className="muted"> ({preview.errors.length} invalid, not counted)</span>
          ) : null}
        </p>
      ) : counting ? (
        <p className="muted">Calculating…</p>
      ) : null}
      {canPreview && preview?.from ? (
        <p className="muted" data-testid="sent-from">
          From: {preview.from}
        </p>
      ) : null}
      <p className="muted">
        <Link to="/billing/prices">Prices per country</Link>
      </p>
    </section>
  );
}

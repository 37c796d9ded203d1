import { ApiError, type RecipientProblem } from '../../api';

/** The invalid recipients a refused send names (`errors[].path` is `/body/to/<index>`). */
export function refusedRecipients(error: unknown, sent: string[]): RecipientProblem[] {
  if (!(error instanceof ApiError)) return [];
  const out: RecipientProblem[] = [];
  for (const e of error.errors) {
    const index = /^\/body\/to\/(\d+)$/.exec(e.path)?.[1];
    const to = index === undefined ? undefined : sent[Number(index)];
    if (to !== undefined) out.push({ path: e.path, to, code: error.code, detail: e.message });
  }
  return out;
}

/** Each recipient the API cannot send to, with its reason, and a way to take them out of the list. */
export function InvalidRecipients({
  problems,
  onRemove,
}: {
  problems: RecipientProblem[];
  onRemove: () => void;
}) {
  if (problems.length === 0) return null;
  return (
    <div className="invalid-recipients" aria-live="polite">
      <p className="field-error">
        {problems.length === 1
          ? '1 recipient is not a valid number:'
          : `${problems.length} recipients are not valid numbers:`}
      </p>
      <ul aria-label="Invalid recipients">
        {problems.map((p) => (
          <li key={p.path}>
            <strong>{p.to}</strong> <span className="muted">— {p.detail}</span>
          </li>
        ))}
      </ul>
      <button type="button" onClick={onRemove}>
        Remove the invalid recipients
      </button>
    </div>
  );
}

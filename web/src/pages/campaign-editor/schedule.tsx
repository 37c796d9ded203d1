import { TextField } from '../../forms';
import type { DraftFields, Quiet, SetDraft } from './draft';

/** When a draft sends and how fast: the start time and its zone, quiet hours, messages per minute. */
export function ScheduleFields({
  draft,
  set,
  errors,
}: {
  draft: DraftFields;
  set: SetDraft;
  errors: Record<string, string | undefined>;
}) {
  return (
    <>
      <TextField
        label="Send at"
        name="sendAt"
        type="datetime-local"
        value={draft.sendAt}
        onChange={(e) => set({ sendAt: e.target.value })}
        error={errors.sendAt}
        hint="Empty: as soon as you start it."
      />
      <TextField
        label="Time zone"
        name="timezone"
        value={draft.timezone}
        onChange={(e) => set({ timezone: e.target.value })}
        error={errors.timezone}
      />
      <div className="field">
        <label htmlFor="campaign-quiet">Quiet hours (recipient's local time)</label>
        <select
          id="campaign-quiet"
          value={draft.quiet}
          onChange={(e) => set({ quiet: e.target.value as Quiet })}
        >
          <option value="default">The account's setting</option>
          <option value="none">None</option>
          <option value="custom">Custom</option>
        </select>
        {errors.quietHours ? (
          <p className="field-error" role="alert">
            {errors.quietHours}
          </p>
        ) : null}
      </div>
      {draft.quiet === 'custom' ? (
        <div className="inline-form">
          <TextField
            label="Quiet from"
            name="quietStart"
            type="time"
            value={draft.quietStart}
            onChange={(e) => set({ quietStart: e.target.value })}
          />
          <TextField
            label="Quiet until"
            name="quietEnd"
            type="time"
            value={draft.quietEnd}
            onChange={(e) => set({ quietEnd: e.target.value })}
          />
        </div>
      ) : null}
      <TextField
        label="Messages per minute"
        name="speedPerMinute"
        type="number"
        min={1}
        value={draft.speed}
        onChange={(e) => set({ speed: e.target.value })}
        error={errors.speedPerMinute}
        hint="Empty: as fast as the routes allow."
      />
    </>
  );
}

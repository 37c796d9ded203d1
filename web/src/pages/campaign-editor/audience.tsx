import { TextField } from '../../forms';
import { useGroups } from '../../hooks/use-groups';
import { Link } from '../../router';
import type { DraftFields, SetDraft } from './draft';

/** Who a draft goes to: its groups, narrowed by tags and countries. */
export function AudienceFields({
  draft,
  set,
  errors,
}: {
  draft: DraftFields;
  set: SetDraft;
  errors: Record<string, string | undefined>;
}) {
  const groups = useGroups();
  return (
    <>
      <fieldset>
        <legend>Groups</legend>
        {groups.data?.data.length === 0 ? (
          <p className="muted">
            No groups yet: <Link to="/groups">create one</Link>.
          </p>
        ) : null}
        {groups.data?.data.map((g) => (
          <label key={g.id} className="check">
            <input
              type="checkbox"
              name="groupIds"
              value={g.id}
              checked={draft.groupIds.includes(g.id)}
              onChange={(e) =>
                set(({ groupIds }) => ({
                  groupIds: e.target.checked ? [...groupIds, g.id] : groupIds.filter((x) => x !== g.id),
                }))
              }
            />{' '}
            {g.name} <span className="muted">({g.memberCount})</span>
          </label>
        ))}
        {errors.groupIds ? (
          <p className="field-error" role="alert">
            {errors.groupIds}
          </p>
        ) : null}
      </fieldset>
      <TextField
        label="Only contacts tagged"
        name="tags"
        value={draft.tags}
        onChange={(e) => set({ tags: e.target.value })}
        error={errors.contactFilter}
        hint="Separated by commas. Empty: everyone in the groups."
      />
      <TextField
        label="Only contacts in countries"
        name="countries"
        value={draft.countries}
        onChange={(e) => set({ countries: e.target.value })}
        hint="e.g. LV, EE. Empty: any country."
      />
    </>
  );
}

/** The audience of a resend-to-failed draft, fixed when it was made. */
export function ResendAudience({ original }: { original: string }) {
  return (
    <p className="notice" data-testid="resend-audience">
      Audience: the recipients of <Link to={`/campaigns/${original}`}>the original campaign</Link> whose
      message failed, was undelivered or expired, less those who opted out or were deleted since.
    </p>
  );
}

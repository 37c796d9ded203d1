import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, type Group, problemFields } from '../../api';
import { groupKeys } from '../../api/groups';
import { FormError, TextField } from '../../forms';
import { useGroups } from '../../hooks/use-groups';

/** The group the import adds its contacts to: an existing one, or one made here. */
export function GroupPicker({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (id: string) => void;
  error: string | undefined;
}) {
  const client = useQueryClient();
  const groups = useGroups();
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const create = useMutation({
    mutationFn: () => api<Group>('POST', '/v1/groups', { name: name.trim() }, true),
    onSuccess: async (group) => {
      await client.invalidateQueries({ queryKey: groupKeys.all });
      onChange(group.id);
      setAdding(false);
      setName('');
    },
  });
  const created = problemFields(create.error);
  return (
    <div className="field">
      <label htmlFor="import-group">Add the contacts to a group</label>
      <div className="row">
        <select id="import-group" name="groupId" value={value} onChange={(e) => onChange(e.target.value)}>
          <option value="">No group</option>
          {groups.data?.data.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
        {!adding ? (
          <button type="button" onClick={() => setAdding(true)}>
            New group
          </button>
        ) : null}
      </div>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
      {adding ? (
        <div className="inline-form new-group">
          <TextField
            label="New group name"
            name="newGroup"
            value={name}
            onChange={(e) => setName(e.target.value)}
            onKeyDown={(e) => {
              // Enter creates the group: the form around it is the import's, which must not start.
              if (e.key === 'Enter') {
                e.preventDefault();
                if (name.trim() !== '') create.mutate();
              }
            }}
            error={created.fields.name}
          />
          <button
            type="button"
            className="primary"
            disabled={create.isPending || name.trim() === ''}
            onClick={() => create.mutate()}
          >
            Create group
          </button>
          <button type="button" onClick={() => setAdding(false)}>
            Cancel
          </button>
          <FormError message={created.general} />
        </div>
      ) : null}
    </div>
  );
}

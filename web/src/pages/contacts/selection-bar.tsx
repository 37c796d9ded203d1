import type { Group } from '../../api';

/**
 * The actions on the selected contacts (or on all that match, `allMatching`): add to a group, remove from
 * the group the list is filtered by, delete; with the size of the selection and a way to widen or end it.
 */
export function SelectionBar({
  selectionSize,
  allMatching,
  offerAllMatching,
  total,
  onSelectAllMatching,
  onClear,
  groups,
  target,
  onTarget,
  filteredGroup,
  busy,
  progress,
  onAdd,
  onRemoveFromGroup,
  onDelete,
}: {
  selectionSize: string;
  allMatching: boolean;
  /** Every shown row is ticked and more match: "Select all N matching" is offered. */
  offerAllMatching: boolean;
  total: string | null;
  onSelectAllMatching: () => void;
  onClear: () => void;
  groups: Group[];
  /** The group chosen to add the selection to. */
  target: string;
  onTarget: (groupId: string) => void;
  /** The name of the group the list is filtered by (none: no "Remove from" button). */
  filteredGroup: string | null;
  busy: boolean;
  /** How many contacts a bulk action over the filter has done so far (null: none running). */
  progress: number | null;
  onAdd: () => void;
  onRemoveFromGroup: () => void;
  onDelete: () => void;
}) {
  return (
    <div className="selection-bar">
      <div className="toolbar selection" data-testid="selection">
        <strong>
          {allMatching ? `All ${selectionSize} matching selected` : `${selectionSize} selected`}
        </strong>
        {offerAllMatching ? (
          <button type="button" onClick={onSelectAllMatching}>
            Select all {total} matching
          </button>
        ) : null}
        <button type="button" onClick={onClear}>
          Clear selection
        </button>
      </div>
      <div className="toolbar selection">
        <label htmlFor="add-to-group">Add to group</label>
        <select id="add-to-group" value={target} onChange={(e) => onTarget(e.target.value)}>
          <option value="">Choose a group…</option>
          {groups.map((g) => (
            <option key={g.id} value={g.id}>
              {g.name}
            </option>
          ))}
        </select>
        <button type="button" disabled={!target || busy} onClick={onAdd}>
          Add
        </button>
        {filteredGroup !== null ? (
          <button type="button" disabled={busy} onClick={onRemoveFromGroup}>
            Remove from {filteredGroup}
          </button>
        ) : null}
        <button type="button" className="danger" disabled={busy} onClick={onDelete}>
          {allMatching ? `Delete all ${selectionSize}` : 'Delete selected'}
        </button>
        {progress !== null ? <span role="status">Working… {progress.toLocaleString()} done</span> : null}
      </div>
    </div>
  );
}

import { formatTime } from '../../api';

/** Who the privacy tools act on: a phone number, an e-mail address, or both. */
export interface Subject {
  phone?: string;
  email?: string;
}

export type Row = Record<string, unknown>;

/** Everything the account holds about one person (`POST /v1/privacy/subject-search`). */
export interface SubjectRecords {
  subject: { phone: string | null; email: string | null; ref: string };
  restricted: boolean;
  contacts: Row[];
  groups: Row[];
  consents: Row[];
  suppressions: Row[];
  messages: Row[];
  inbound: Row[];
  campaigns: Row[];
  truncated: boolean;
}

const show = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.length ? v.map(show).join(', ') : '—';
  if (typeof v === 'object') {
    const entries = Object.entries(v as Row).filter(([, x]) => x !== null && x !== '');
    return entries.length ? entries.map(([k, x]) => `${k}: ${show(x)}`).join('; ') : '—';
  }
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return formatTime(v);
  return String(v);
};

/** One kind of record about the person, as a table of the columns that identify it. */
export function RecordTable({
  label,
  rows,
  columns,
}: {
  label: string;
  rows: Row[];
  columns: Array<[string, string]>;
}) {
  return (
    <div className="table-wrap">
      <table className="data" aria-label={label}>
        <thead>
          <tr>
            {columns.map(([, title]) => (
              <th key={title} scope="col">
                {title}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={String(r.id ?? i)}>
              {columns.map(([key, title]) => (
                <td key={title} className={key === 'text' ? 'text-preview' : undefined}>
                  {show(r[key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Each kind of record found, with the columns that identify it. */
export const KINDS: Array<{ key: keyof SubjectRecords; title: string; columns: Array<[string, string]> }> = [
  {
    key: 'contacts',
    title: 'Contacts',
    columns: [
      ['phone', 'Phone'],
      ['firstName', 'First name'],
      ['lastName', 'Last name'],
      ['email', 'E-mail'],
      ['country', 'Country'],
      ['address', 'Address'],
      ['fields', 'Fields'],
      ['tags', 'Tags'],
      ['createdAt', 'Created'],
      ['deletedAt', 'Deleted'],
    ],
  },
  {
    key: 'groups',
    title: 'Group memberships',
    columns: [
      ['groupName', 'Group'],
      ['addedAt', 'Added'],
    ],
  },
  {
    key: 'consents',
    title: 'Consents',
    columns: [
      ['purpose', 'Purpose'],
      ['granted', 'Granted'],
      ['source', 'Source'],
      ['evidence', 'Evidence'],
      ['recordedAt', 'Recorded'],
    ],
  },
  {
    key: 'suppressions',
    title: 'Opt-outs',
    columns: [
      ['phone', 'Phone'],
      ['scope', 'Scope'],
      ['reason', 'Reason'],
      ['source', 'Source'],
      ['createdAt', 'Since'],
    ],
  },
  {
    key: 'messages',
    title: 'Messages sent',
    columns: [
      ['to', 'To'],
      ['from', 'From'],
      ['status', 'Status'],
      ['text', 'Text'],
      ['createdAt', 'Created'],
    ],
  },
  {
    key: 'inbound',
    title: 'Replies received',
    columns: [
      ['from', 'From'],
      ['to', 'To'],
      ['text', 'Text'],
      ['receivedAt', 'Received'],
    ],
  },
  {
    key: 'campaigns',
    title: 'Campaigns',
    columns: [
      ['campaignId', 'Campaign'],
      ['messages', 'Messages'],
      ['delivered', 'Delivered'],
    ],
  },
];

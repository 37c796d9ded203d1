import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, formatTime, problemFields } from '../../api';
import { DetailRow } from '../../components/detail-row';
import { FormError, TextField } from '../../forms';
import type { Subject } from './records';

/** What an erasure removed, kept by the user as proof (the audit log holds the same, never the number). */
export interface ErasureReceipt {
  erasedAt: string;
  subject: string;
  counts: Record<string, number>;
  suppressionKept: boolean;
}

/** A modal confirmation: the person's number (or e-mail) must be typed before erasing. */
export function EraseDialog({
  expected,
  subject,
  onClose,
  onErased,
}: {
  expected: string[];
  subject: Subject;
  onClose: () => void;
  onErased: (receipt: ErasureReceipt) => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  const erase = useMutation({
    mutationFn: () => api<ErasureReceipt>('POST', '/v1/privacy/subject-erasure', subject),
    onSuccess: onErased,
  });
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const squash = (s: string) => s.replace(/[\s()-]/g, '').toLowerCase();
  const matches = expected.some((e) => e && squash(e) === squash(typed));
  const what = subject.phone ? 'number' : 'e-mail address';
  return (
    <dialog
      ref={ref}
      aria-labelledby="erase-title"
      onCancel={(e) => {
        e.preventDefault();
        if (!erase.isPending) onClose();
      }}
    >
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (matches) erase.mutate();
        }}
      >
        <h2 id="erase-title">Erase this person now?</h2>
        <p>
          Every contact, consent, group membership, message and reply about them is erased at once and cannot
          be restored. An opt-out stays in force, kept only as a hash.
        </p>
        <TextField
          label={`Type the ${what} to confirm`}
          name="confirm"
          autoComplete="off"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          hint={expected[0]}
        />
        <FormError message={problemFields(erase.error).general} />
        <div className="actions">
          <button type="submit" className="danger" disabled={!matches || erase.isPending}>
            {erase.isPending ? 'Erasing…' : 'Erase now'}
          </button>
          <button type="button" onClick={onClose} disabled={erase.isPending}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}

export function Receipt({ receipt }: { receipt: ErasureReceipt }) {
  return (
    <section
      className="card highlight"
      role="status"
      aria-labelledby="receipt-title"
      data-testid="erasure-receipt"
    >
      <h2 id="receipt-title" tabIndex={-1}>
        Erasure receipt
      </h2>
      <dl className="details">
        <dt>Erased at</dt>
        <dd>{formatTime(receipt.erasedAt)}</dd>
        <dt>Reference</dt>
        <dd>
          <code className="id">{receipt.subject}</code>
        </dd>
        {Object.entries(receipt.counts).map(([k, n]) => (
          <DetailRow key={k} label={k.replace(/([A-Z])/g, ' $1').toLowerCase()} value={n} />
        ))}
      </dl>
      <p>
        {receipt.suppressionKept
          ? 'The number was opted out: it stays blocked, kept only as a hash.'
          : 'Nothing about this person is left in the account.'}{' '}
        Keep this receipt as proof: the audit log holds the same reference and counts, never the number.
      </p>
    </section>
  );
}

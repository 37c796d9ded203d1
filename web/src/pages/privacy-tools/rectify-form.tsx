import { useMutation } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api } from '../../api';
import { leafFields } from '../../api/leaf-fields';
import { FormError, TextField } from '../../forms';
import type { Subject } from './records';

/** Corrects the person's details on every contact that holds them; empty fields stay as they are. */
export function RectifyForm({ subject, onDone }: { subject: Subject; onDone: (count: number) => void }) {
  const rectify = useMutation({
    mutationFn: (changes: Record<string, string | null>) =>
      api<{ rectified: string[] }>('POST', '/v1/privacy/subject-rectification', { ...subject, changes }),
    onSuccess: (answer) => onDone(answer.rectified.length),
  });
  const { fields, general } = leafFields(rectify.error);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const changes: Record<string, string | null> = {};
    for (const [k, v] of new FormData(e.currentTarget)) {
      const value = String(v).trim();
      if (value) changes[k] = k === 'country' ? value.toUpperCase() : value;
    }
    rectify.mutate(changes);
  };
  return (
    <form noValidate onSubmit={onSubmit} className="card" aria-labelledby="rectify-title">
      <h3 id="rectify-title">Correct their details</h3>
      <p className="hint">Fill in only what changes; every contact that holds this person is corrected.</p>
      <div className="filters">
        <TextField label="First name" name="firstName" error={fields.firstName} />
        <TextField label="Last name" name="lastName" error={fields.lastName} />
        <TextField label="New e-mail" name="email" type="email" error={fields.email} />
        <TextField label="New phone number" name="phone" type="tel" error={fields.phone} />
        <TextField label="Country code" name="country" maxLength={2} error={fields.country} />
        <TextField label="Address" name="address" error={fields.address} />
      </div>
      <FormError message={fields.changes ?? general} />
      <button type="submit" className="primary" disabled={rectify.isPending}>
        {rectify.isPending ? 'Saving…' : 'Save corrections'}
      </button>
    </form>
  );
}

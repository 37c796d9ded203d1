import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api, type Contact, type ContactField, type Group, problemFields } from '../../api';
import { contactKeys, useContactFields } from '../../api/contacts';
import { groupKeys } from '../../api/groups';
import { PageLayout } from '../../components/page';
import { FormError, TextArea, TextField } from '../../forms';
import { useGroups } from '../../hooks/use-groups';
import { Link, navigate, usePageTitle } from '../../router';
import { toast } from '../../toast';
import { Consents } from './consents';
import { CustomField, emptyToNull, fieldValue } from './custom-field-input';

/** The contact's phone field is where a bad number belongs, whatever code the server chose. */
const CONTACT_CODES = { invalid_phone_number: 'phone', recipient_opted_out: 'phone' };

/** A contact's details, custom fields and groups: a new one, or one to change. */
function ContactForm({
  contact,
  fields,
  groups,
}: {
  contact: Contact | null;
  fields: ContactField[];
  groups: Group[];
}) {
  const client = useQueryClient();
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      contact
        ? api<Contact>('PATCH', `/v1/contacts/${contact.id}`, body)
        : api<Contact>('POST', '/v1/contacts', body, true),
    onSuccess: async () => {
      await Promise.all([
        client.invalidateQueries({ queryKey: contactKeys.all }),
        client.invalidateQueries({ queryKey: groupKeys.all }),
      ]);
      toast(contact ? 'Contact saved.' : 'Contact added.');
      navigate('/contacts');
    },
  });
  const { fields: errors, general } = problemFields(save.error, CONTACT_CODES);
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const custom: Record<string, string | number | boolean | null> = {};
    for (const f of fields) custom[f.key] = fieldValue(f, data);
    save.mutate({
      phone: String(data.get('phone') ?? '').trim(),
      firstName: emptyToNull(data.get('firstName')),
      lastName: emptyToNull(data.get('lastName')),
      email: emptyToNull(data.get('email')),
      country: emptyToNull(data.get('country'))?.toUpperCase() ?? null,
      address: emptyToNull(data.get('address')),
      tags: String(data.get('tags') ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
      fields: custom,
      groupIds: data.getAll('groupIds').map(String),
    });
  };
  return (
    <form onSubmit={onSubmit} noValidate className="card">
      <TextField
        label="Phone"
        name="phone"
        type="tel"
        autoComplete="off"
        required
        defaultValue={contact?.phone ?? ''}
        error={errors.phone}
        hint="International format, e.g. +37120000000"
      />
      <TextField
        label="First name"
        name="firstName"
        defaultValue={contact?.firstName ?? ''}
        error={errors.firstName}
      />
      <TextField
        label="Last name"
        name="lastName"
        defaultValue={contact?.lastName ?? ''}
        error={errors.lastName}
      />
      <TextField
        label="E-mail"
        name="email"
        type="email"
        defaultValue={contact?.email ?? ''}
        error={errors.email}
      />
      <TextField
        label="Country"
        name="country"
        maxLength={2}
        defaultValue={contact?.country ?? ''}
        error={errors.country}
        hint="Two letters, e.g. LV"
      />
      <TextArea
        label="Address"
        name="address"
        rows={2}
        defaultValue={contact?.address ?? ''}
        error={errors.address}
      />
      <TextField
        label="Tags"
        name="tags"
        defaultValue={contact?.tags.join(', ') ?? ''}
        error={errors.tags}
        hint="Separated by commas"
      />
      {fields.length > 0 ? (
        <fieldset>
          <legend>Custom fields</legend>
          {fields.map((f) => (
            <CustomField key={f.key} field={f} value={contact?.fields[f.key]} />
          ))}
          {errors.fields ? (
            <p className="field-error" role="alert">
              {errors.fields}
            </p>
          ) : null}
        </fieldset>
      ) : null}
      {groups.length > 0 ? (
        <fieldset>
          <legend>Groups</legend>
          {groups.map((g) => (
            <label key={g.id} className="check">
              <input
                type="checkbox"
                name="groupIds"
                value={g.id}
                defaultChecked={contact?.groupIds.includes(g.id) ?? false}
              />{' '}
              {g.name}
            </label>
          ))}
          {errors.groupIds ? (
            <p className="field-error" role="alert">
              {errors.groupIds}
            </p>
          ) : null}
        </fieldset>
      ) : null}
      <FormError message={general} />
      <div className="toolbar">
        <button type="submit" className="primary" disabled={save.isPending}>
          {contact ? 'Save contact' : 'Create contact'}
        </button>
        <Link to="/contacts" className="button">
          Cancel
        </Link>
      </div>
    </form>
  );
}

/** Adds a contact, or edits one (`id`) with its consent history. */
export function ContactEditPage({ id }: { id?: string }) {
  usePageTitle(id ? 'Edit contact' : 'New contact');
  const contact = useQuery({
    queryKey: contactKeys.detail(id),
    queryFn: () => api<Contact>('GET', `/v1/contacts/${encodeURIComponent(id ?? '')}`),
    enabled: Boolean(id),
  });
  const fields = useContactFields();
  const groups = useGroups();
  const ready = (!id || contact.data) && fields.data && groups.data;
  return (
    <PageLayout title={id ? 'Edit contact' : 'New contact'}>
      {contact.error ? <p role="alert">{(contact.error as Error).message}</p> : null}
      {ready ? (
        <ContactForm
          key={contact.data?.updatedAt ?? 'new'}
          contact={contact.data ?? null}
          fields={fields.data?.data ?? []}
          groups={groups.data?.data ?? []}
        />
      ) : (
        <p>Loading…</p>
      )}
      {contact.data ? <Consents contact={contact.data} /> : null}
      <p>
        <Link to="/contacts">All contacts</Link>
      </p>
    </PageLayout>
  );
}

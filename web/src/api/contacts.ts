import { useQuery } from '@tanstack/react-query';
import { api, type Contact, type ContactField, type Page } from './client';

/** Query keys of contacts, their count, one contact and the custom fields; `contactKeys.all` covers the first three. */
export const contactKeys = {
  all: ['contacts'] as const,
  list: (filters: unknown, sort: string) => [...contactKeys.all, 'list', filters, sort] as const,
  count: (filters: unknown) => [...contactKeys.all, 'count', filters] as const,
  /** Contacts found by the send page's recipient picker. */
  search: (q: string) => [...contactKeys.all, 'search', q] as const,
  details: () => [...contactKeys.all, 'detail'] as const,
  detail: (id: string | undefined) => [...contactKeys.details(), id] as const,
  fields: () => ['contact-fields'] as const,
};

/** The account's custom contact fields (the contact form, the import mapping and the field editor). */
export function useContactFields() {
  return useQuery({
    queryKey: contactKeys.fields(),
    queryFn: () => api<Page<ContactField>>('GET', '/v1/contact-fields'),
  });
}

/** A contact's name as shown: first and last, empty when it has neither. */
export function contactName(c: Contact): string {
  return [c.firstName, c.lastName].filter(Boolean).join(' ');
}

/** The types a custom contact field can have, as the field forms offer them. */
export const CONTACT_FIELD_TYPES = [
  { value: 'text', label: 'Text' },
  { value: 'number', label: 'Number' },
  { value: 'date', label: 'Date' },
  { value: 'boolean', label: 'Yes/no' },
] as const;

/** A file's columns as the import preview read them, and the mapping it guessed. */
export interface ImportPreview {
  format: string;
  delimiter: string | null;
  headers: string[];
  sampleRows: string[][];
  guessedMapping: Record<string, string>;
  totalEstimate?: number;
}

/** An import job and its counts (`GET /v1/imports/:id`; the list leaves out the rows' problems). */
export interface ImportJob {
  id: string;
  status: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  fileName: string;
  total: number | null;
  processed: number;
  imported: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Rows imported with something left out (an invalid e-mail). */
  warned?: number;
  cancelRequested: boolean;
  error: string | null;
  createdAt?: string;
  errors?: Array<{ row: number; column: string | null; message: string }>;
  warnings?: Array<{ row: number; column: string | null; message: string }>;
}

/** Query keys of contact imports. */
export const importKeys = {
  all: ['imports'] as const,
  recent: () => [...importKeys.all, 'recent'] as const,
  detail: (id: string) => [...importKeys.all, 'detail', id] as const,
};

/** Query keys of the suppression list. */
export const suppressionKeys = {
  all: ['suppressions'] as const,
  list: () => [...suppressionKeys.all, 'list'] as const,
};

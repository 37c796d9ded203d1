// Import contacts: a wizard (choose a file, match its columns, import), one step per file beside this one.

import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { problemFields, upload } from '../../api';
import type { ImportPreview } from '../../api/contacts';
import { PageLayout } from '../../components/page';
import { FormError } from '../../forms';
import { Link, useLocation, usePageTitle } from '../../router';
import { MapColumns } from './map-columns';
import { Progress } from './progress';
import { RecentImports } from './recent';
import { UploadBar } from './upload-bar';

export function ImportPage() {
  usePageTitle('Import contacts');
  const { search } = useLocation();
  const id = search.get('id');
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<{ sent: number; total: number } | null>(null);
  const preview = useMutation({
    mutationFn: (f: File) => {
      const form = new FormData();
      form.append('file', f, f.name);
      return upload<ImportPreview>('/v1/imports/preview', form, (s, t) => setSent({ sent: s, total: t }));
    },
    onSettled: () => setSent(null),
  });
  const { fields, general } = problemFields(preview.error, {
    unsupported_import_file: 'file',
    payload_too_large: 'file',
  });
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (file) preview.mutate(file);
  };
  return (
    <PageLayout title="Import contacts">
      {id ? (
        <>
          <Progress id={id} />
          <p>
            <Link to="/contacts/import">Import another file</Link>
          </p>
        </>
      ) : (
        <>
          <ol className="steps wizard">
            <li aria-current={!preview.data ? 'step' : undefined}>Choose a file</li>
            <li aria-current={preview.data ? 'step' : undefined}>Match the columns</li>
            <li>Import</li>
          </ol>
          <form onSubmit={onSubmit} noValidate className="card">
            <div className="field">
              <label htmlFor="import-file">CSV or Excel (XLSX) file</label>
              <input
                id="import-file"
                type="file"
                accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                aria-invalid={fields.file ? true : undefined}
                aria-describedby={fields.file ? 'import-file-err' : undefined}
                onChange={(e) => {
                  setFile(e.target.files?.[0] ?? null);
                  preview.reset();
                }}
              />
              {fields.file ? (
                <p className="field-error" id="import-file-err" role="alert">
                  {fields.file}
                </p>
              ) : null}
            </div>
            {sent ? <UploadBar sent={sent.sent} total={sent.total} /> : null}
            <FormError message={general} />
            <button type="submit" disabled={!file || preview.isPending}>
              {preview.isPending ? 'Reading the file…' : 'Preview'}
            </button>
          </form>
          {file && preview.data ? <MapColumns key={file.name} file={file} preview={preview.data} /> : null}
          <RecentImports />
        </>
      )}
    </PageLayout>
  );
}

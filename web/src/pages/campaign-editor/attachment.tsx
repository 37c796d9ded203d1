import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { upload } from '../../api';
import type { Attachment } from '../../api/campaigns';

/** The attachment of a campaign: upload a file, or take it off. Each recipient gets their own link to it. */
export function AttachmentField({
  attachment,
  onChange,
  error,
}: {
  attachment: Attachment | null;
  onChange: (a: Attachment | null) => void;
  error?: string | undefined;
}) {
  const [progress, setProgress] = useState<number | null>(null);
  const send = useMutation({
    mutationFn: (file: File) => {
      const form = new FormData();
      form.append('file', file);
      return upload<Attachment>('/v1/attachments', form, (sent, total) =>
        setProgress(Math.round((sent / total) * 100)),
      );
    },
    onSuccess: (a) => {
      setProgress(null);
      onChange(a);
    },
    onError: () => setProgress(null),
  });
  const problem = send.error ? (send.error as Error).message : error;
  return (
    <fieldset>
      <legend>Attachment</legend>
      {attachment ? (
        <p data-testid="attachment">
          <strong>{attachment.name}</strong>{' '}
          <span className="muted">({Math.max(1, Math.round(attachment.bytes / 1024))} KB)</span>: every
          recipient gets their own link to it on a line after the text.{' '}
          <button type="button" onClick={() => onChange(null)}>
            Remove the attachment
          </button>
        </p>
      ) : (
        <div className="field">
          <label htmlFor="campaign-attachment">Attach an image or a PDF</label>
          <input
            id="campaign-attachment"
            type="file"
            accept="image/jpeg,image/png,image/gif,image/webp,application/pdf"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) send.mutate(file);
              e.target.value = '';
            }}
          />
          <p className="hint">
            JPEG, PNG, GIF, WEBP or PDF up to 5 MB, kept 60 days. Recipients get a link, not the file itself.
          </p>
        </div>
      )}
      {progress !== null ? <progress max={100} value={progress} aria-label="Upload" /> : null}
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
    </fieldset>
  );
}

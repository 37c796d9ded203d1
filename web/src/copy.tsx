import { useState } from 'react';

/** Puts `text` on the clipboard; where the Clipboard API is missing (plain http), a hidden textarea is copied. */
async function writeClipboard(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('copy refused');
}

/** A button that copies a key or secret shown once, and says whether it worked. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await writeClipboard(text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span className="copy">
      <button type="button" onClick={copy}>
        Copy<span className="sr-only"> {label}</span>
      </button>
      <span aria-live="polite" className="muted">
        {state === 'copied'
          ? 'Copied'
          : state === 'failed'
            ? 'Could not copy: select it and copy by hand'
            : ''}
      </span>
    </span>
  );
}

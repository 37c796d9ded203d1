import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from 'react';

interface Ask {
  title: string;
  body?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
}

/**
 * A confirmation before something that cannot be taken back. The native modal <dialog> makes the rest of
 * the page inert (focus stays inside) and closes on Escape; focus starts on Cancel, the safe choice, and
 * goes back to the button that asked.
 */
export function useConfirm(): [(ask: Ask) => Promise<boolean>, ReactNode] {
  const [ask, setAsk] = useState<(Ask & { resolve: (ok: boolean) => void }) | null>(null);
  const confirm = useCallback(
    (next: Ask) =>
      new Promise<boolean>((resolve) => {
        setAsk({ ...next, resolve });
      }),
    [],
  );
  const element = ask ? (
    <ConfirmDialog
      ask={ask}
      onClose={(ok) => {
        ask.resolve(ok);
        setAsk(null);
      }}
    />
  ) : null;
  return [confirm, element];
}

function ConfirmDialog({ ask, onClose }: { ask: Ask; onClose: (ok: boolean) => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    cancelRef.current?.focus();
    return () => {
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="confirm"
      aria-labelledby={`${id}-title`}
      aria-describedby={ask.body ? `${id}-body` : undefined}
      onCancel={(e) => {
        // Escape: answered as Cancel (React closes the dialog by unmounting it).
        e.preventDefault();
        onClose(false);
      }}
    >
      <h2 id={`${id}-title`}>{ask.title}</h2>
      {ask.body ? <div id={`${id}-body`}>{ask.body}</div> : null}
      <div className="toolbar">
        <button type="button" ref={cancelRef} onClick={() => onClose(false)}>
          Cancel
        </button>
        <button type="button" className={ask.danger ? 'danger' : 'primary'} onClick={() => onClose(true)}>
          {ask.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

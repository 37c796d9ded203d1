import { Button, Group, Modal } from '@mantine/core';
import { type ReactNode, useCallback, useEffect, useId, useState } from 'react';

export interface Ask {
  title: string;
  body?: ReactNode;
  confirmLabel: string;
  danger?: boolean;
}

/**
 * A confirmation before something that cannot be taken back, as a Mantine modal: the rest of the page is
 * out of reach (focus stays inside) and Escape or a click outside answers Cancel; focus starts on Cancel,
 * the safe choice, and goes back to the button that asked.
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
  const id = useId();
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    return () => {
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <Modal
      opened
      onClose={() => onClose(false)}
      title={ask.title}
      centered
      returnFocus={false}
      transitionProps={{ duration: 0 }}
      aria-describedby={ask.body ? `${id}-body` : undefined}
      classNames={{ title: 'confirm-title' }}
    >
      {ask.body ? <div id={`${id}-body`}>{ask.body}</div> : null}
      <Group justify="flex-end" mt="md">
        <Button variant="default" data-autofocus onClick={() => onClose(false)}>
          Cancel
        </Button>
        <Button color={ask.danger ? 'red' : 'blue'} onClick={() => onClose(true)}>
          {ask.confirmLabel}
        </Button>
      </Group>
    </Modal>
  );
}

import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { type Ask, useConfirm } from '../confirm';

/**
 * A button for something that cannot be taken back: a click asks first (see `useConfirm`), and only a
 * confirmed answer runs `onConfirm`.
 */
export function ConfirmButton({
  ask,
  onConfirm,
  children,
  ...button
}: {
  ask: Ask;
  onConfirm: () => void;
  children: ReactNode;
} & Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'onClick' | 'type'>) {
  const [confirm, dialog] = useConfirm();
  return (
    <>
      <button type="button" {...button} onClick={async () => (await confirm(ask)) && onConfirm()}>
        {children}
      </button>
      {dialog}
    </>
  );
}

import type { ReactNode } from 'react';

/** One term and its value in a `<dl className="details">`. */
export function DetailRow({ label, value }: { label: string; value: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </>
  );
}

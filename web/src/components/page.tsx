import type { ReactNode } from 'react';

/**
 * A page of the app (named apart from the API's `Page<T>` of results): its heading, focusable so that the
 * router can move focus to it after navigation, then an optional toolbar of actions, then the content.
 */
export function PageLayout({
  title,
  actions,
  className,
  children,
}: {
  title: ReactNode;
  actions?: ReactNode;
  className?: string;
  children?: ReactNode;
}) {
  return (
    <div className={className}>
      <h1 tabIndex={-1}>{title}</h1>
      {actions ? <div className="toolbar">{actions}</div> : null}
      {children}
    </div>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef } from 'react';
import { ApiError, api, formatTime, type Me, problemFields } from './api';
import { accountKeys } from './api/account';
import { FormError } from './forms';

export interface Policy {
  version: string;
  /** Markdown; null for the version named by the deployment's configuration (no stored text). */
  text: string | null;
  publishedAt: string | null;
}

/** The privacy policy in force (the notices page shows it; the gate asks for it only when acceptance is due). */
export function usePolicy(enabled = true) {
  return useQuery({
    queryKey: accountKeys.policy(),
    queryFn: () => api<Policy>('GET', '/v1/policy'),
    enabled,
  });
}

/** Inline Markdown: `code`, **bold**, *emphasis* and [links](https://…); everything else stays text. */
function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const pattern = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*]+\*|\[[^\]]+\]\([^)\s]+\))/g;
  let last = 0;
  let key = 0;
  for (const m of text.matchAll(pattern)) {
    const token = m[0];
    const at = m.index ?? 0;
    if (at > last) out.push(text.slice(last, at));
    key++;
    if (token.startsWith('`')) out.push(<code key={key}>{token.slice(1, -1)}</code>);
    else if (token.startsWith('**')) out.push(<strong key={key}>{token.slice(2, -2)}</strong>);
    else if (token.startsWith('*')) out.push(<em key={key}>{token.slice(1, -1)}</em>);
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token);
      const href = link?.[2] ?? '';
      // Only web and mail links: a policy text must not smuggle in javascript: URLs.
      out.push(
        /^(https?:|mailto:|\/)/.test(href) ? (
          <a key={key} href={href}>
            {link?.[1]}
          </a>
        ) : (
          link?.[1]
        ),
      );
    }
    last = at + token.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/**
 * A small Markdown renderer for policy texts (headings, paragraphs, lists), built from React elements so
 * the text can never inject markup.
 */
export function Markdown({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: Array<{ at: number; text: string }> } | null = null;
  const flush = () => {
    if (paragraph.length > 0) blocks.push(<p key={blocks.length}>{inline(paragraph.join(' '))}</p>);
    paragraph = [];
    if (list) {
      const items = list.items.map((item) => <li key={item.at}>{inline(item.text)}</li>);
      blocks.push(list.ordered ? <ol key={blocks.length}>{items}</ol> : <ul key={blocks.length}>{items}</ul>);
    }
    list = null;
  };
  for (const [at, raw] of lines.entries()) {
    const line = raw.trim();
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\d+[.)]\s+(.*)$/.exec(line);
    if (line === '') flush();
    else if (heading) {
      flush();
      // The page has its own h1: policy headings start one level below it.
      const level = Math.min(6, (heading[1]?.length ?? 1) + 1);
      const Tag = `h${level}` as 'h2';
      blocks.push(<Tag key={blocks.length}>{inline(heading[2] ?? '')}</Tag>);
    } else if (bullet || numbered) {
      const ordered = Boolean(numbered);
      if (paragraph.length > 0 || (list && list.ordered !== ordered)) flush();
      list ??= { ordered, items: [] };
      list.items.push({ at, text: (bullet?.[1] ?? numbered?.[1] ?? '').trim() });
    } else if (list && raw.startsWith('  ') && list.items.length > 0) {
      const item = list.items[list.items.length - 1];
      if (item) item.text += ` ${line}`;
    } else {
      if (list) flush();
      paragraph.push(line);
    }
  }
  flush();
  return <>{blocks}</>;
}

/** The policy in force; `fallback` when the deployment's initial version has no stored text. */
export function PolicyText({ fallback }: { fallback: ReactNode }) {
  const policy = usePolicy();
  if (policy.isPending) return <p className="loading">Loading…</p>;
  const p = policy.data;
  return (
    <>
      {p ? (
        <p className="muted" data-testid="policy-version">
          Version {p.version}
          {p.publishedAt ? `, published ${formatTime(p.publishedAt)}` : ''}
        </p>
      ) : null}
      <div className="card prose">{p?.text ? <Markdown text={p.text} /> : fallback}</div>
    </>
  );
}

/**
 * Shown over every page while the signed-in user has not accepted the policy version in force: the server
 * refuses their changes (403 `policy_acceptance_required`) until they do. A modal dialog keeps keyboard
 * focus inside it; Escape does not dismiss it, logging out does.
 */
export function PolicyGate({ me, onLogout }: { me: Me; onLogout: () => void }) {
  const required = me.policyAcceptanceRequired === true;
  const ref = useRef<HTMLDialogElement>(null);
  const client = useQueryClient();
  const policy = usePolicy(required);
  const accept = useMutation({
    mutationFn: (version: string) => api<unknown>('POST', '/v1/policy/accept', { version }),
    onSuccess: () => client.invalidateQueries({ queryKey: accountKeys.me() }),
    onError: () => client.invalidateQueries({ queryKey: accountKeys.policy() }),
  });
  // A write refused for want of acceptance (the session's answer was older than the new version) brings
  // the gate up at once instead of leaving the user with an error they cannot fix on that page.
  useEffect(
    () =>
      client.getMutationCache().subscribe((event) => {
        const error = event.mutation?.state.error;
        if (error instanceof ApiError && error.code === 'policy_acceptance_required')
          void client.invalidateQueries({ queryKey: accountKeys.me() });
      }),
    [client],
  );
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (required && !dialog.open) dialog.showModal();
    if (!required && dialog.open) dialog.close();
  }, [required]);
  if (!required) return null;
  const version = policy.data?.version ?? me.policyVersion ?? '';
  return (
    <dialog
      ref={ref}
      className="policy-gate"
      aria-labelledby="policy-gate-title"
      onCancel={(e) => e.preventDefault()}
    >
      <h2 id="policy-gate-title">Our privacy policy has changed</h2>
      <p>
        Please read and accept version <strong>{version}</strong> to keep working. Until you do, you can look
        around but not change anything.
      </p>
      <div className="policy-text" data-testid="policy-gate-text">
        {policy.isPending ? (
          <p>Loading the policy…</p>
        ) : policy.data?.text ? (
          <Markdown text={policy.data.text} />
        ) : (
          <p>
            <a href="/privacy" target="_blank" rel="noopener">
              Read the privacy policy
            </a>
          </p>
        )}
      </div>
      <FormError message={problemFields(accept.error).general} />
      <div className="actions">
        <button
          type="button"
          className="primary"
          disabled={accept.isPending || !version}
          onClick={() => accept.mutate(version)}
        >
          {accept.isPending ? 'Accepting…' : 'Accept the policy'}
        </button>
        <button type="button" onClick={onLogout}>
          Log out
        </button>
      </div>
    </dialog>
  );
}

/**
 * The app's API layer. `client.ts` is the transport (fetch with the session's CSRF token, problem documents,
 * formatting helpers and the shapes the pages share); each resource file (`contacts.ts`, `campaigns.ts`, …)
 * owns the query keys of its data and the hooks that read it, so that one piece of data is cached under one
 * key and a change invalidates it through the same factory.
 */
export * from './client';
export * from './generated';

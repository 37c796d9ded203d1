/** The acting side of a request, as much of it as the audit log records. */
export interface ActingParty {
  kind: 'user' | 'api_key' | 'staff';
  id: string;
  ip: string | null;
}

/** The audit actor of a client or staff actor. */
export function auditActorOf(actor: ActingParty) {
  if (actor.kind === 'staff') return { type: 'staff' as const, id: actor.id, ip: actor.ip };
  return { type: actor.kind, id: actor.id, ip: actor.ip };
}

import type { FastifyReply, FastifyRequest } from 'fastify';

/** Session cookies: HttpOnly, SameSite=Lax, Secure whenever the site is served over TLS. */
export function setSessionCookie(
  reply: FastifyReply,
  request: FastifyRequest,
  name: string,
  token: string,
  expiresAt: number,
  publicUrl: string,
) {
  reply.setCookie(name, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: request.protocol === 'https' || publicUrl.startsWith('https:'),
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(reply: FastifyReply, name: string) {
  reply.clearCookie(name, { path: '/' });
}

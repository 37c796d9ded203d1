import { generateSecret, generateURI, verifySync } from 'otplib';

/** TOTP (RFC 6238) with the usual 30-second step, accepting one step of clock drift either way. */
export function newTotpSecret(): string {
  return generateSecret();
}

export function totpUri(secret: string, label: string): string {
  return generateURI({ issuer: 'smsgate', label, secret });
}

export function checkTotp(secret: string, code: string, nowMs: number): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  try {
    return verifySync({ secret, token: code, epoch: Math.floor(nowMs / 1000), epochTolerance: 30 }).valid;
  } catch {
    return false;
  }
}

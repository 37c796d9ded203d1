import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../../kernel/errors';

/** A random, URL-safe token with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Tokens and API keys are stored only as this hash: a leaked table does not leak credentials. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

const ARGON2ID = 2;

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

// A hash to verify against when the e-mail is unknown, so that timing does not reveal which e-mails exist.
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomToken());
  return decoyHash;
}

const COMMON = new Set([
  'password',
  'password1',
  'password123',
  '123456789',
  '1234567890',
  'qwertyuiop',
  'iloveyou1',
  'letmein123',
  'welcome123',
  'admin12345',
  'changeme123',
  'passw0rd123',
  'smsgate123',
  '1q2w3e4r5t',
  'qwerty12345',
]);

/** Refuses passwords that are short, common, made of one repeated character, or the e-mail itself. */
export function assertStrongPassword(password: string, email?: string): void {
  const problems: string[] = [];
  if (password.length < 10) problems.push('must be at least 10 characters');
  if (password.length > 256) problems.push('must be at most 256 characters');
  if (COMMON.has(password.toLowerCase())) problems.push('is too common');
  if (/^(.)\1*$/.test(password)) problems.push('must not repeat one character');
  if (email && password.toLowerCase().includes(email.split('@')[0]!.toLowerCase()) && email.length > 3) {
    problems.push('must not contain the e-mail address');
  }
  if (problems.length > 0) {
    throw new AppError('weak_password', `The password ${problems.join(', ')}.`, {
      errors: problems.map((message) => ({ path: '/password', message })),
    });
  }
}

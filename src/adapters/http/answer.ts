import { type FailureCode, RouteError } from '../../modules/route-port';
import { type CarrierResponse, retryAfterMs, statusFailure } from '../http-carrier/transport';
import type { HttpRouteConfig } from './config';
import { parseJsonPath, scalarText, valueAt } from './paths';

/** Most of an answer a configured regex reads: operators' patterns run on bounded text. */
const REGEX_INPUT_MAX = 64 * 1024;

type Rule = { status?: number[] | undefined; bodyRegex?: string | undefined; jsonPath?: string | undefined };

interface CompiledRule {
  status: Set<number> | null;
  regex: RegExp | null;
  path: string[] | null;
  equals: string | null;
}

function compileRule(rule: Rule & { equals?: string | number | boolean | undefined }): CompiledRule {
  return {
    status: rule.status ? new Set(rule.status) : null,
    regex: rule.bodyRegex ? new RegExp(rule.bodyRegex) : null,
    path: rule.jsonPath ? parseJsonPath(rule.jsonPath) : null,
    equals: rule.equals === undefined ? null : String(rule.equals),
  };
}

/** The answer's body parsed as JSON once, on first need (undefined: not JSON). */
function lazyJson(body: string): () => unknown {
  let parsed: { value: unknown } | null = null;
  return () => {
    if (!parsed) {
      try {
        parsed = { value: JSON.parse(body) };
      } catch {
        parsed = { value: undefined };
      }
    }
    return parsed.value;
  };
}

/** What a body that should have been JSON was instead, for the failure's detail. */
function describeNotJson(body: string): string {
  const trimmed = body.trim();
  if (trimmed === '') return 'an empty body';
  if (/^<(!doctype|html|\?xml|head|body)/i.test(trimmed)) return 'HTML';
  return `text: ${trimmed.slice(0, 80).replace(/\s+/g, ' ')}`;
}

/**
 * Reads a carrier's answer with the route's rules: the success rule, then the carrier reference, or the
 * failure the error mapping (else the HTTP status) names. Compiled once per route.
 */
export function createAnswerReader(config: HttpRouteConfig) {
  const success = compileRule(config.success);
  const errors = config.errors.map((e) => ({ ...compileRule(e), code: e.code as FailureCode }));
  const ref =
    config.carrierRef === 'none'
      ? null
      : 'jsonPath' in config.carrierRef
        ? { kind: 'path' as const, path: parseJsonPath(config.carrierRef.jsonPath)! }
        : { kind: 'regex' as const, regex: new RegExp(config.carrierRef.regex) };
  const expectsJson = success.path !== null || ref?.kind === 'path';

  function matches(rule: CompiledRule, response: CarrierResponse, json: () => unknown): boolean {
    if (rule.status && !rule.status.has(response.status)) return false;
    if (rule.regex && !rule.regex.test(response.body.slice(0, REGEX_INPUT_MAX))) return false;
    if (rule.path) {
      const value = valueAt(json(), rule.path);
      if (rule.equals !== null ? scalarText(value) !== rule.equals : value === undefined || value === null)
        return false;
    }
    return true;
  }

  return {
    /** The carrier reference of an accepted message; throws the RouteError the answer means. */
    read(response: CarrierResponse, messageId: string, now: number): string {
      const json = lazyJson(response.body);
      if (matches(success, response, json)) {
        if (ref === null) return messageId;
        if (ref.kind === 'path') {
          const value = scalarText(valueAt(json(), ref.path));
          if (value) return value;
        } else {
          const found = ref.regex.exec(response.body.slice(0, REGEX_INPUT_MAX))?.[1];
          if (found) return found;
        }
        throw new RouteError(
          'carrier_error',
          `HTTP ${response.status}: the answer holds no carrier reference (${describeNotJson(response.body)})`,
          String(response.status),
        );
      }
      for (const rule of errors) {
        if (!matches(rule, response, json)) continue;
        const carrierCode = rule.path ? scalarText(valueAt(json(), rule.path)) : null;
        const excerpt = response.body.slice(0, 200).replace(/\s+/g, ' ').trim();
        throw new RouteError(
          rule.code,
          `HTTP ${response.status}${excerpt ? `: ${excerpt}` : ''}`,
          carrierCode ?? String(response.status),
          rule.code === 'throttled' ? retryAfterMs(response.headers['retry-after'], now) : null,
        );
      }
      const failure = statusFailure(response, now);
      if (failure) throw failure;
      // A 2xx that is not what the success rule expects: the carrier may or may not have taken it.
      if (expectsJson && json() === undefined)
        throw new RouteError(
          'carrier_error',
          `HTTP ${response.status}: expected JSON, got ${describeNotJson(response.body)}`,
          String(response.status),
        );
      throw new RouteError(
        'carrier_error',
        `HTTP ${response.status}: the answer does not match the success rule (${describeNotJson(response.body)})`,
        String(response.status),
      );
    },
  };
}

import { z } from 'zod';
import type { MessagesTable } from '../../storage/schema';
import { senderIdProblem } from '../phone';
import type { Strategy, StrategyOptions } from './strategy';

export const ruleMatchSchema = z.strictObject({
  accountId: z.string().min(1).max(64).optional(),
  countries: z
    .array(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code'))
    .min(1)
    .max(300)
    .optional(),
  prefixes: z
    .array(z.string().regex(/^\+\d{1,14}$/, 'a + followed by digits'))
    .min(1)
    .max(1000)
    .optional(),
  type: z.enum(['transactional', 'marketing']).optional(),
  sender: z
    .string()
    .min(1)
    .max(15)
    .refine((s) => senderIdProblem(s) === null, { message: 'not a valid sender id' })
    .optional(),
});
export type RuleMatch = z.infer<typeof ruleMatchSchema>;

/** The id of the built-in simulated carrier, which has no row in the routes table. */
export const BUILTIN_SIMULATOR_ID = 'simulator';

export interface RoutingRule {
  id: string;
  priority: number;
  match: RuleMatch;
  /** Primary first, then failovers, in the order the operator chose. */
  routeIds: string[];
  /** Simulated routes in `routeIds` are used only when this is true (they reach no real phone). */
  allowSimulator: boolean;
  /** How the routes are ordered for each message (`priority`: as listed). */
  strategy: Strategy;
  /** The strategy's thresholds, defaults filled in. */
  options: StrategyOptions;
}

/** Whether a rule applies to a message: every condition it names must hold. */
export function ruleMatches(
  match: RuleMatch,
  message: Pick<MessagesTable, 'account_id' | 'country' | 'to_number' | 'type' | 'sender'>,
): boolean {
  if (match.accountId !== undefined && match.accountId !== message.account_id) return false;
  if (match.countries && !(message.country && match.countries.includes(message.country))) return false;
  if (match.prefixes && !match.prefixes.some((p) => message.to_number.startsWith(p))) return false;
  if (match.type !== undefined && match.type !== message.type) return false;
  if (match.sender !== undefined && match.sender !== message.sender) return false;
  return true;
}

/** The first matching rule by priority (lowest number first; ties by id, i.e. creation order). */
export function pickRule(
  rules: RoutingRule[],
  message: Parameters<typeof ruleMatches>[1],
): RoutingRule | null {
  for (const rule of rules) if (ruleMatches(rule.match, message)) return rule;
  return null;
}

export function sortRules(rules: RoutingRule[]): RoutingRule[] {
  return [...rules].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

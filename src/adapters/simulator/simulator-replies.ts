import { AppError } from '../../kernel/errors';
import type { RuleMatch } from '../../modules/dispatch';
import type { InboundView } from '../../modules/inbound';
import { normalizePhone, senderIdProblem, tryNormalizePhone } from '../../modules/phone';

/** A simulated route that can hand in a phone's reply (see `createSimulatorRoute`). */
export interface ReplyingRoute {
  reply(sms: { from: string; to: string; text: string; accountId: string }): Promise<void>;
}

export interface SimulatorRepliesDeps {
  /**
   * The id of the simulated route that would carry this message now, or null when a real route would
   * (the route registry's `simulatedRouteFor`).
   */
  simulatedRouteFor(message: {
    account_id: string;
    country: string | null;
    to_number: string;
    type: NonNullable<RuleMatch['type']>;
    sender: string;
  }): string | null;
  /** A running simulated route by id. */
  route(id: string): ReplyingRoute | undefined;
  /** The sender of the latest message the account sent to this number, if any. */
  lastSenderTo(accountId: string, phone: string): Promise<string | null>;
  /** The virtual numbers of the account, oldest first. */
  numbersOf(accountId: string): Promise<string[]>;
  /** The account a virtual number belongs to, if any. */
  ownerOf(number: string): Promise<string | null>;
  /** The latest message the account received from this number. */
  latestFrom(accountId: string, from: string): Promise<InboundView | null>;
}

const invalid = (path: string, message: string) =>
  new AppError('validation_failed', `${path}: ${message}`, { errors: [{ path, message }] });

/**
 * Replies from simulated phones, so two-way messaging (the inbox, STOP and START, `message.received`
 * webhooks) can be tried without a carrier. Only while the simulator carries the account's messages to
 * that number: once a real route does, a simulated reply would be indistinguishable from a real one.
 */
export function createSimulatorReplies(deps: SimulatorRepliesDeps) {
  /** Where the reply goes: the number or sender id given, else the one the phone last got a message from. */
  async function destination(accountId: string, phone: string, to: string | undefined): Promise<string> {
    if (to === undefined) {
      const last = await deps.lastSenderTo(accountId, phone);
      if (last !== null) return last;
      const [number] = await deps.numbersOf(accountId);
      if (number !== undefined) return number;
      throw invalid(
        '/body/to',
        'the account sent nothing to this number and has no number of its own: say which sender it replies to',
      );
    }
    const asNumber = /^\+?[\d\s().-]+$/.test(to) ? tryNormalizePhone(to) : null;
    if (asNumber?.ok) {
      const owner = await deps.ownerOf(asNumber.e164);
      // Another account's number would put the reply in that account's inbox: never.
      if (owner !== null && owner !== accountId) throw invalid('/body/to', 'not a number of this account');
      return asNumber.e164;
    }
    const problem = senderIdProblem(to);
    if (problem !== null) throw invalid('/body/to', `not a phone number or a sender id: ${problem}`);
    return to;
  }

  return {
    /**
     * A reply `text` from the phone `from` to the account (to `to`, a number or sender id of the account),
     * handed in by the simulated route as a carrier hands in an MO; answers the stored inbound message.
     */
    async reply(accountId: string, input: { from: string; to?: string | undefined; text: string }) {
      let phone: ReturnType<typeof normalizePhone>;
      try {
        phone = normalizePhone(input.from);
      } catch (error) {
        if (error instanceof AppError)
          throw new AppError('invalid_phone_number', `/body/from: ${error.message}`, {
            errors: [{ path: '/body/from', message: error.message }],
          });
        throw error;
      }
      const to = await destination(accountId, phone.e164, input.to);
      const routeId = deps.simulatedRouteFor({
        account_id: accountId,
        country: phone.country,
        to_number: phone.e164,
        type: 'transactional',
        sender: to,
      });
      const route = routeId === null ? undefined : deps.route(routeId);
      if (!route) {
        throw new AppError(
          'simulator_not_in_use',
          `A real carrier route carries this account's messages to ${phone.e164}: simulated replies are off.`,
        );
      }
      await route.reply({ from: phone.e164, to, text: input.text, accountId });
      const stored = await deps.latestFrom(accountId, phone.e164);
      if (!stored) throw new AppError('internal_error', 'The simulated reply was not stored.');
      return stored;
    },
  };
}

export type SimulatorReplies = ReturnType<typeof createSimulatorReplies>;

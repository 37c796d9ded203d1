/**
 * Applies what routes and carriers say about messages: send results and delivery reports. Everything
 * for one batch happens in the caller's transaction: status, events, credits, webhooks. This file composes
 * the parts: send results, receipts applied by the state machine, the receipt re-match sweep and the
 * receipt timeout.
 */
import type { OutcomeDeps } from './outcome-context';
import { createReceiptApply } from './receipt-apply';
import { createReceiptRematch } from './receipt-rematch';
import { createReceiptTimeout } from './receipt-timeout';
import { createSendOutcomes } from './send-outcomes';

export type { OutcomeDeps, ReceiptSample } from './outcome-context';
export type { SendOutcome } from './send-outcomes';

export function createOutcomes(deps: OutcomeDeps) {
  const receipts = createReceiptApply(deps);
  const sendOutcomes = createSendOutcomes(deps, receipts);
  const rematch = createReceiptRematch(deps, receipts);
  const timeout = createReceiptTimeout(deps);
  return {
    applySendOutcomes: sendOutcomes.applySendOutcomes,
    applyReports: receipts.applyReports,
    rematchWaitingReports: rematch.rematchWaitingReports,
    expireUnreported: timeout.expireUnreported,
    applyWaitingReports: receipts.applyWaitingReports,
  };
}

export type Outcomes = ReturnType<typeof createOutcomes>;

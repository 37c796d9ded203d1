/** The outside IO the webhooks module needs, given by the composition root (src/adapters/webhooks). */

/** What one POST came to: a status code (any, 3xx included), or an error before one arrived. */
export interface PostOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
  /** Bytes of the response body read (reading stops past 64 KiB); null when no answer came. */
  responseBytes: number | null;
  /** The body was binary: no excerpt is kept, only its size. */
  responseBinary: boolean;
  /**
   * The deadline passed before an answer came. The request may have reached the receiver and been
   * processed all the same, so a retry that succeeds is likely a duplicate there.
   */
  timedOut?: boolean;
}

/** How the error of a timed-out attempt begins (as stored in `last_error`). */
export const TIMEOUT_ERROR_PREFIX = 'timed out after';

/** POSTs webhook bodies to receivers (or, for Twilio's `SmsMethod=GET`, GETs the URL, body unused). */
export interface WebhookSender {
  post(
    url: URL,
    headers: Record<string, string>,
    body: string,
    method?: 'POST' | 'GET',
  ): Promise<PostOutcome>;
  /** Closes idle kept-alive connections. */
  close(): void;
}

export interface WebhookNet {
  /** A sender: no redirects, a hard deadline, and (unless `allowPrivate`) public addresses only at connect time. */
  createSender(options: { allowPrivate: boolean; timeoutMs: number }): WebhookSender;
  /** Refuses (webhook_url_refused) a URL whose host is, or resolves to, an address off the public internet. */
  assertPublicHost(url: URL): Promise<void>;
}

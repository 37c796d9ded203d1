/** The job that hands accepted messages to a route. */
export const DISPATCH_JOB = 'dispatch';

export interface DispatchPayload {
  messageIds: string[];
}

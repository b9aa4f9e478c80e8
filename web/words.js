// Marketer words for the API's machine words: statuses, send types,
// suppression reasons, delivery states, lifecycle actions. The codes stay
// visible as details; these are the sentences a person reads first.

/** Campaign statuses. */
export const STATUS = { ready: 'Ready', running: 'Running', paused: 'Paused', ended: 'Ended' };

/** Send types, as the product page names them. */
export const SEND_TYPE = { schedule: 'Schedule-based', event: 'Event-based', api: 'API-based' };

/** Lifecycle actions, in the order the status card offers them, with what to say once done. */
export const ACTIONS = [
  { action: 'start', label: 'Start', done: 'Campaign started.' },
  {
    action: 'pause',
    label: 'Pause',
    done: 'Campaign paused: nothing more goes out until you resume it.',
  },
  { action: 'resume', label: 'Resume', done: 'Campaign resumed.' },
  { action: 'end', label: 'End', done: 'Campaign ended.' },
];

/** Why a candidate was held back (stats `suppressed` reasons). */
export const SUPPRESSED = {
  not_in_cohort: 'Not in the target cohort',
  already_sent: 'Already sent this campaign (a failed message counts too)',
  resend_period: 'Resend period not over yet',
  frequency_cap: 'Held back by frequency capping',
  personalization: 'Personalization failed for this user',
  cancelled: 'Cancelled when the campaign ended',
  control: 'In the control group (sent nothing on purpose)',
  schedule_passed: 'Their local send time had passed when the campaign started',
};

/** Delivery states in the log. */
export const DELIVERY_STATE = {
  pending: 'Waiting',
  delivered: 'Delivered',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** What a test-send error kind means, in words. */
export const SEND_ERROR = {
  timeout: 'The destination did not answer in time.',
  network: 'The connection failed (network error).',
  dns: 'The destination host name could not be found.',
  connection_refused: 'The destination refused the connection: nothing listens there.',
  tls: 'The secure connection (TLS) failed.',
  connection_reset: 'The connection was cut before the answer was complete.',
};

/** A retry reason code (engine.retryDecision's `reason`) in words. */
export const RETRY_REASON = {
  success: 'it succeeded',
  redirect_not_followed: 'redirects are never followed',
  unexpected_status: 'the destination answered with an informational (1xx) status',
  server_error: 'the destination had a server error (5xx)',
  request_timeout: 'the destination asked to retry (408)',
  rate_limited: 'the destination is rate limiting (429)',
  client_error: 'the destination refused the request itself (4xx): sending it again would not help',
  timeout: 'no answer came in time',
  network_error: 'the connection failed',
  retries_exhausted: 'it already tried 4 times (the first send and 3 retries)',
};

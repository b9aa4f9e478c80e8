// The one error class of the package: thrown where the contract returns a
// value rather than problems (misuse such as a disposed handle or an attempt
// number below 1). Its `code` is a stable machine word.

/** Error thrown for misuse the contract cannot express as problems. */
export class HookcastError extends Error {
  /**
   * @param {string} code stable machine word, e.g. "invalid_request"
   * @param {string} message sentence naming the argument and the reason
   * @param {Array<object>} [problems] the core's problems, when it gave any
   */
  constructor(code, message, problems = []) {
    super(message);
    this.name = 'HookcastError';
    this.code = code;
    this.problems = problems;
  }
}

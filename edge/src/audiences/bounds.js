// The largest body the worker reads for users, events and API sends: an I/O
// bound, checked while the body streams in. Every other bound of users and
// events (items per call, id and property sizes, nesting) is the engine's
// (engine.checkUsers / checkEvents / checkInput; engine.vocabulary().limits).

/** Largest body of POST /v1/users, POST /v1/events and an API send. */
export const MAX_AUDIENCE_BODY_BYTES = 4 * 1024 * 1024;

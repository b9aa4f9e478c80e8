// The size bounds of users, events and their properties (README "Bounds").
// Checked in the route before anything is stored, and again by the user
// shard for a merged profile (a merge can grow a profile past them).

/** Most users (POST /v1/users) or events (POST /v1/events) in one call. */
export const MAX_ITEMS = 1000;
/** Largest body of POST /v1/users and POST /v1/events. */
export const MAX_AUDIENCE_BODY_BYTES = 4 * 1024 * 1024;
/** A user id, an event key, a property name: at most this many UTF-8 bytes. */
export const MAX_ID_BYTES = 256;
/** One properties object (a user's whole profile, or one event's) as JSON: at most this many UTF-8 bytes. */
export const MAX_PROPERTIES_BYTES = 32 * 1024;
/** One properties object: at most this many top-level names. */
export const MAX_PROPERTY_NAMES = 200;
/** Nesting of arrays and objects inside a property value. */
export const MAX_PROPERTY_DEPTH = 32;

/** The UTF-8 length of a string, without allocating its bytes. */
export function utf8Length(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

/**
 * The problem with a whole properties object that is over the bounds, or
 * null. `text` is its JSON (when the caller already has it).
 */
export function propertiesSizeProblem(properties, field, text = JSON.stringify(properties)) {
  const names = Object.keys(properties).length;
  if (names > MAX_PROPERTY_NAMES) {
    return {
      field, code: 'too_many_properties', severity: 'error',
      message: `At most ${MAX_PROPERTY_NAMES} properties are kept per user or event; this one would have ${names}.`,
    };
  }
  const bytes = utf8Length(text);
  if (bytes > MAX_PROPERTIES_BYTES) {
    return {
      field, code: 'properties_too_large', severity: 'error',
      message: `Properties are at most ${MAX_PROPERTIES_BYTES} bytes as JSON per user or event; these would be ${bytes}.`,
    };
  }
  return null;
}

// Ids in base32 letters (`a`–`z`, `2`–`7`: URL-safe, case-free), one letter
// per byte's low 5 bits: random ids (batches, cohorts, campaign key
// suffixes) and ids derived from text (API-send dispatch ids).

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** The letters of `bytes`, one per byte. */
function lettersOf(bytes) {
  let out = '';
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

/** `length` random letters (5 bits each). */
export function randomBase32(length) {
  return lettersOf(crypto.getRandomValues(new Uint8Array(length)));
}

/** `length` (≤ 32) letters of the SHA-256 of `text`: the same text, the same id. */
export async function sha256Base32(text, length) {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
  );
  return lettersOf(digest.subarray(0, length));
}

// The limits every JSON request body is held to before any route reads it:
// how deep arrays and objects nest, and numbers JSON text can write but a
// double cannot hold (1e309 parses to Infinity, which JSON.stringify would
// silently store as null). One walk with an explicit stack: a body nested
// 100,000 deep is refused here, by a loop, not by a stack overflow in the
// first recursive function that meets it (JSON.stringify, the engine).

/**
 * Deepest nesting of arrays and objects in a request body (the body itself
 * is level 1). The core reads JSON to the same depth (its kMaxJsonDepth).
 * The deepest a valid body needs is about 70: a cohort rule 32 groups deep
 * (2 levels per group) or a property value 32 levels deep inside its wrappers.
 */
export const MAX_JSON_DEPTH = 100;

/** `field` + `.name` or `[i]`, as problems locate fields. */
const member = (field, name) => (field === '' ? name : `${field}.${name}`);

/**
 * The first problem with `value` (a parsed body), or null: `too_deep` (or
 * `rule_too_deep` under one of `rules`, the field paths that hold a cohort
 * rule, so a rule nested too deep answers as the cohort routes do) where
 * nesting passes MAX_JSON_DEPTH, `invalid_number` where a number is not
 * finite. Problems name the field where the limit is crossed.
 */
export function jsonLimitProblem(value, { rules = [] } = {}) {
  const stack = [[value, '', 1]];
  while (stack.length > 0) {
    const [v, field, depth] = stack.pop();
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) {
        return {
          field,
          code: 'invalid_number',
          severity: 'error',
          message: `${field || 'The body'} is a number too large for a double (beyond ±1.8e308); send a smaller number.`,
        };
      }
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) {
      const rule = rules.some(
        (r) => field === r || field.startsWith(`${r}.`) || field.startsWith(`${r}[`),
      );
      return {
        field,
        code: rule ? 'rule_too_deep' : 'too_deep',
        severity: 'error',
        message: `${rule ? 'The rule' : 'The body'} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep at ${field}.`,
      };
    }
    if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${field}[${i}]`, depth + 1]);
    } else {
      const names = Object.keys(v);
      for (let i = names.length - 1; i >= 0; i--)
        stack.push([v[names[i]], member(field, names[i]), depth + 1]);
    }
  }
  return null;
}

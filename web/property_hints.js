// "Unknown property" hints: a variable naming a property no user (or no
// trigger event) has carried so far — a typo like {{ user.frist_name }} —
// gets a warning beside its field, with the nearest known name. The
// variables come from the engine (engine.variables), the names from
// GET /v1/properties; a hint, never a refusal: a property may arrive later.

/** The top-level property a variable's name reads ("address.city" → "address", '["my key"]' → "my key"), or null. */
function topName(name) {
  const bracket = /^\[(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\]/.exec(name);
  if (bracket) return bracket[1] ?? bracket[2];
  return name.startsWith('[') ? null : name.split('.')[0];
}

/** Edit distance of two short names (for "did you mean"). */
function distance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The known name nearest to `name`, when near enough to be a typo. */
function nearest(name, known) {
  let best = null;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : null;
}

/**
 * Warnings (problem-shaped, code `unknown_property`) for the variables of
 * `spec` that name a property not seen so far. `eventKey`: the campaign's
 * trigger, whose properties an event variable reads (any event's without one).
 */
export function unknownPropertyHints(engine, spec, props, eventKey) {
  if (!props || props.error || typeof engine?.variables !== 'function') return [];
  const userNames = (props.user ?? []).map((p) => p.name);
  const events = props.events ?? [];
  const trigger = events.find((e) => e.key === eventKey);
  const eventNames = (
    trigger ? trigger.properties : eventKey ? [] : events.flatMap((e) => e.properties ?? [])
  ).map((p) => p.name);
  const out = [];
  for (const v of engine.variables(spec)) {
    const name = topName(v.name);
    const known = v.source === 'user' ? userNames : eventNames;
    // Nothing seen yet of that kind: no hint (every name would be "unknown").
    if (name === null || known.length === 0) continue;
    if (
      (v.source === 'user' && name === 'id') ||
      (v.source === 'event' && name === 'key') ||
      known.includes(name)
    )
      continue;
    const near = nearest(name, known);
    const whose = v.source === 'user' ? 'No user' : `No “${trigger?.key ?? 'event'}” event`;
    out.push({
      field: v.field,
      code: 'unknown_property',
      severity: 'warning',
      message: `${whose} seen so far has a property “${name}”${near ? `: did you mean “${near}”?` : '. It shows its fallback (or nothing) until one does.'}`,
    });
  }
  return out;
}

// The cohort builder: a rule as nested all/any groups of property conditions
// ("plan is pro") and event conditions ("did purchase at least 2 times in the
// last 30 days, where amount ≥ 10"). The operators come from the engine
// (engine.cohortOperators()); the engine checks the rule on every change
// (engine.validateCohort) and its problems show on the condition they name.
import { html, Problems } from './ui.js';
import { vocabulary } from './engine.js';

/** The operator and unit lists of the rule language, from the engine (empty while it loads). */
export function operators(engine) {
  const v = vocabulary(engine);
  return { ...v.operators, units: v.units.within };
}

/** Operator words a marketer reads. */
const OP_WORDS = {
  eq: 'is',
  ne: 'is not',
  in: 'is one of',
  not_in: 'is none of',
  contains: 'contains',
  not_contains: 'does not contain',
  starts_with: 'starts with',
  ends_with: 'ends with',
  gt: 'is greater than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  between: 'is between',
  exists: 'has a value',
  not_exists: 'has no value',
  before: 'is before (date)',
  after: 'is after (date)',
  within_last: 'is within the last',
  did: 'did',
  did_not: 'did not do',
};
const COUNT_WORDS = { gte: 'at least', lte: 'at most', eq: 'exactly' };

/** The engine's problems for a rule, as { 'rule.all[1].op': [problem] }. */
export function validateRule(engine, rule) {
  return engine ? engine.validateCohort(rule) : { ok: true, problems: [] };
}

/** A new, empty condition of a kind. */
export function newCondition(kind, props) {
  if (kind === 'event') return { event: props?.events?.[0]?.key ?? '', op: 'did' };
  if (kind === 'group')
    return { any: [{ property: props?.user?.[0]?.name ?? '', op: 'eq', value: '' }] };
  return { property: props?.user?.[0]?.name ?? '', op: 'eq', value: '' };
}

/** The typed value a text box means, by the property's seen type. */
function typed(text, type) {
  if (type === 'number' && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}
const shown = (v) => (v === undefined || v === null ? '' : String(v));

/**
 * One editable value for an operator: nothing for exists, two boxes for
 * between, a list for in/not_in, a period for within_last, else one box.
 */
function ValueInput({ cond, type, onChange, path, units, disabled }) {
  const op = cond.op;
  const id = `v-${path}`;
  if (op === 'exists' || op === 'not_exists') return null;
  if (op === 'between') {
    const [lo, hi] = Array.isArray(cond.value) ? cond.value : ['', ''];
    return html`<span class="value-pair"><input aria-label="from" disabled=${disabled} value=${shown(lo)} onInput=${(e) => onChange({ ...cond, value: [typed(e.currentTarget.value, type), hi] })} />
      and <input aria-label="to" disabled=${disabled} value=${shown(hi)} onInput=${(e) => onChange({ ...cond, value: [lo, typed(e.currentTarget.value, type)] })} /></span>`;
  }
  if (op === 'in' || op === 'not_in') {
    const list = Array.isArray(cond.value) ? cond.value : [];
    return html`<input id=${id} aria-label="values, separated by commas" placeholder="a, b, c" disabled=${disabled} value=${list.join(', ')}
      onInput=${(e) =>
        onChange({
          ...cond,
          value: e.currentTarget.value
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
            .map((s) => typed(s, type)),
        })} />`;
  }
  if (op === 'within_last') {
    const v = cond.value && typeof cond.value === 'object' ? cond.value : { last: 7, unit: 'days' };
    return html`<span class="value-pair"><input type="number" min="1" aria-label="how many" disabled=${disabled} value=${shown(v.last)}
      onInput=${(e) => onChange({ ...cond, value: { ...v, last: Number(e.currentTarget.value) } })} />
      <select aria-label="unit" disabled=${disabled} value=${v.unit} onChange=${(e) => onChange({ ...cond, value: { ...v, unit: e.currentTarget.value } })}>${units.map((u) => html`<option>${u}</option>`)}</select></span>`;
  }
  return html`<input id=${id} aria-label="value" disabled=${disabled} placeholder=${op === 'before' || op === 'after' ? '2026-12-01' : 'value'} value=${shown(cond.value)}
    onInput=${(e) => onChange({ ...cond, value: typed(e.currentTarget.value, type) })} />`;
}

/** Fixes the value's shape when the operator changes (between needs a pair, …). */
function withOp(cond, op) {
  const next = { ...cond, op };
  if (op === 'exists' || op === 'not_exists') delete next.value;
  else if (op === 'between')
    next.value = Array.isArray(cond.value) ? cond.value.slice(0, 2) : ['', ''];
  else if (op === 'in' || op === 'not_in')
    next.value = Array.isArray(cond.value)
      ? cond.value
      : cond.value === undefined || cond.value === ''
        ? []
        : [cond.value];
  else if (op === 'within_last') next.value = { last: 7, unit: 'days' };
  else if (Array.isArray(cond.value) || (cond.value && typeof cond.value === 'object'))
    next.value = '';
  else if (cond.value === undefined) next.value = '';
  return next;
}

/** One property condition (a user property, or an event property in a filter): name, operator, value. */
export function PropertyCondition({
  cond,
  onChange,
  props,
  ops,
  path,
  disabled,
  label = 'User property',
}) {
  const type = (props?.user ?? []).find((p) => p.name === cond.property)?.type;
  return html`<span class="cond-body">
    <span class="cond-kind">${label}</span>
    <input list=${label === 'User property' ? 'cohort-user-props' : undefined} class="mono" aria-label="property" disabled=${disabled} value=${cond.property} onInput=${(e) => onChange({ ...cond, property: e.currentTarget.value })} />
    <select aria-label="operator" disabled=${disabled} value=${cond.op} onChange=${(e) => onChange(withOp(cond, e.currentTarget.value))}>
      ${ops.property.map((o) => html`<option value=${o}>${OP_WORDS[o] ?? o}</option>`)}</select>
    <${ValueInput} cond=${cond} type=${type} onChange=${onChange} path=${path} units=${ops.units.filter((u) => u !== 'months' || ops.units.includes('months'))} disabled=${disabled} />
    ${type ? html`<span class="muted small-text">${type}</span>` : null}
  </span>`;
}

function EventCondition({ cond, onChange, props, ops, path, problems, disabled }) {
  const ev = (props?.events ?? []).find((e) => e.key === cond.event);
  const count = cond.count ?? null;
  const where = cond.where ?? [];
  return html`<span class="cond-body">
    <span class="cond-kind">Event</span>
    <select aria-label="did or did not" disabled=${disabled} value=${cond.op} onChange=${(e) => onChange({ ...cond, op: e.currentTarget.value })}>
      ${ops.event.map((o) => html`<option value=${o}>${OP_WORDS[o] ?? o}</option>`)}</select>
    <input list="cohort-events" class="mono" aria-label="event" disabled=${disabled} value=${cond.event} onInput=${(e) => onChange({ ...cond, event: e.currentTarget.value })} />
    <label class="inline"><input type="checkbox" disabled=${disabled} checked=${Boolean(count)} onChange=${(
      e,
    ) => {
      const n = { ...cond };
      if (e.currentTarget.checked) n.count = { op: 'gte', value: 2 };
      else delete n.count;
      onChange(n);
    }} /> times</label>
    ${
      count
        ? html`<select aria-label="count comparison" disabled=${disabled} value=${count.op} onChange=${(e) => onChange({ ...cond, count: { ...count, op: e.currentTarget.value } })}>
      ${ops.count.map((o) => html`<option value=${o}>${COUNT_WORDS[o] ?? o}</option>`)}</select>
      <input type="number" min="0" aria-label="count" disabled=${disabled} value=${count.value} onInput=${(e) => onChange({ ...cond, count: { ...count, value: Number(e.currentTarget.value) } })} />`
        : null
    }
    <label class="inline"><input type="checkbox" disabled=${disabled} checked=${Boolean(cond.within)} onChange=${(
      e,
    ) => {
      const n = { ...cond };
      if (e.currentTarget.checked) n.within = { last: 30, unit: 'days' };
      else delete n.within;
      onChange(n);
    }} /> in the last</label>
    ${
      cond.within
        ? html`<input type="number" min="1" aria-label="within how many" disabled=${disabled} value=${cond.within.last} onInput=${(e) => onChange({ ...cond, within: { ...cond.within, last: Number(e.currentTarget.value) } })} />
      <select aria-label="within unit" disabled=${disabled} value=${cond.within.unit} onChange=${(e) => onChange({ ...cond, within: { ...cond.within, unit: e.currentTarget.value } })}>${ops.units.map((u) => html`<option>${u}</option>`)}</select>`
        : null
    }
    <div class="where">
      ${where.map(
        (w, i) => html`<div class="where-row">where
        <${PropertyCondition} label="Event property" cond=${w} props=${{ user: ev?.properties ?? [] }} ops=${ops} path=${`${path}.where[${i}]`} disabled=${disabled}
          onChange=${(nw) => onChange({ ...cond, where: where.map((x, j) => (j === i ? nw : x)) })} />
        <button type="button" class="icon-button" disabled=${disabled} aria-label="Remove this filter" onClick=${() => {
          const n = { ...cond, where: where.filter((_, j) => j !== i) };
          if (!n.where.length) delete n.where;
          onChange(n);
        }}>×</button>
        <${Problems} list=${problems(`${path}.where[${i}]`)} /></div>`,
      )}
      <button type="button" class="link small-text" disabled=${disabled} onClick=${() => onChange({ ...cond, where: [...where, { property: ev?.properties?.[0]?.name ?? '', op: 'eq', value: '' }] })}>+ filter on the event's properties</button>
    </div>
  </span>`;
}

/**
 * A group (all / any) of conditions and groups, editable in place.
 * @param {{ rule: object, onChange: (rule: object) => void, props: object, engine: object, path?: string, problems: (path: string) => object[], disabled?: boolean, depth?: number }} p
 */
export function GroupEditor({
  rule,
  onChange,
  props,
  engine,
  path = 'rule',
  problems,
  disabled,
  depth = 0,
}) {
  const ops = operators(engine);
  const mode = rule.any ? 'any' : 'all';
  const items = rule[mode] ?? [];
  const set = (list) => onChange({ [mode]: list });
  const item = (c, i) => {
    const p = `${path}.${mode}[${i}]`;
    const update = (n) => set(items.map((x, j) => (j === i ? n : x)));
    let body;
    if (c.not) {
      // { not: rule }: edited as a group of its own ("none of these" when it holds a group).
      const inner = c.not.all || c.not.any ? c.not : { all: [c.not] };
      body = html`<div class="not-group"><span class="cond-kind">Exclude users who match</span>
        <${GroupEditor} rule=${inner} onChange=${(r) => update({ not: r })} props=${props} engine=${engine} path=${`${p}.not`} problems=${problems} disabled=${disabled} depth=${depth + 1} /></div>`;
    } else if (c.all || c.any)
      body = html`<${GroupEditor} rule=${c} onChange=${update} props=${props} engine=${engine} path=${p} problems=${problems} disabled=${disabled} depth=${depth + 1} />`;
    else if ('event' in c)
      body = html`<${EventCondition} cond=${c} onChange=${update} props=${props} ops=${ops} path=${p} problems=${problems} disabled=${disabled} />`;
    else
      body = html`<${PropertyCondition} cond=${c} onChange=${update} props=${props} ops=${ops} path=${p} problems=${problems} disabled=${disabled} />`;
    return html`<li class="cond" data-path=${p}>
      ${i > 0 ? html`<span class="joiner">${mode === 'all' ? 'and' : 'or'}</span>` : null}
      <div class="cond-line">${body}
        <button type="button" class="icon-button" disabled=${disabled} aria-label=${`Remove condition ${i + 1}`} onClick=${() => set(items.filter((_, j) => j !== i))}>×</button></div>
      <${Problems} list=${problems(p)} />
    </li>`;
  };
  return html`<div class=${`group depth-${depth}`} data-path=${path}>
    <p class="group-head">Users who match
      <select aria-label="all or any" disabled=${disabled} value=${mode} onChange=${(e) => onChange({ [e.currentTarget.value]: items })}>
        <option value="all">all</option><option value="any">any</option></select> of these:</p>
    <ol class="conds">${items.map(item)}</ol>
    ${items.length === 0 ? html`<p class="muted small-text">No conditions yet.</p>` : null}
    <div class="add-row">
      <button type="button" class="secondary small" disabled=${disabled} onClick=${() => set([...items, newCondition('property', props)])}>+ Property condition</button>
      <button type="button" class="secondary small" disabled=${disabled} onClick=${() => set([...items, newCondition('event', props)])}>+ Event condition</button>
      ${
        depth < 2
          ? html`<button type="button" class="secondary small" disabled=${disabled} onClick=${() => set([...items, newCondition('group', props)])}>+ Group</button>
        <button type="button" class="secondary small" disabled=${disabled} onClick=${() => set([...items, { not: newCondition('group', props) }])}>+ Exclude</button>`
          : null
      }
    </div>
    ${
      depth === 0
        ? html`<datalist id="cohort-user-props">${(props?.user ?? []).map((p) => html`<option value=${p.name}>${p.type}</option>`)}</datalist>
      <datalist id="cohort-events">${(props?.events ?? []).map((e) => html`<option value=${e.key}>${e.count} seen</option>`)}</datalist>`
        : null
    }
  </div>`;
}

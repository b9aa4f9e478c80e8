// Step 5, start: when it goes out (schedule, event, API), customer fatigue
// (send once, or resend after a period; frequency capping opt-in with the
// workspace's rules shown), the rate limit, then Start. The engine checks
// the shape on every change (engine.checkCampaign, partial), the worker
// again on save, and Start lists every missing piece.
import {
  html,
  useEffect,
  useMemo,
  useState,
  CopyButton,
  Problems,
  browserZone,
  formatTime,
  problemsFor,
} from './ui.js';
import { client } from './client.js';
import { loadTimezone, vocabulary } from './engine.js';
import { editability } from './editability.js';
import { StatusCard } from './status_card.js';
import { PropertyCondition, operators } from './cohort_builder.js';
import { loadProperties } from './personalize.js';
import { keepDraft, takeDraft } from './drafts.js';
import { QuietHoursOptIn, UserZoneChoice } from './send_moment.js';
import { MeasureCard } from './experiment_step.js';

/** The field path each form key stands for (what a problem's `field` starts with). */
const FIELD_OF = {
  type: 'send.type',
  date: 'send.at',
  time: 'send.at',
  timeZone: 'send.timeZone',
  repeat: 'send.repeat',
  event: 'send.event',
  where: 'send.where',
  delay: 'send.delay',
  resend: 'fatigue',
  frequencyCapping: 'fatigue',
  rateLimit: 'rateLimit',
};
const zones = () => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
};

/** The form's state from a stored campaign. */
function formOf(c) {
  const s = c.send ?? {};
  const [date = '', time = ''] = (s.type === 'schedule' && s.at ? s.at : '').split('T');
  return {
    type: s.type ?? '',
    date,
    time: time.slice(0, 5),
    timeZone: s.timeZone && s.timeZone !== 'user' ? s.timeZone : browserZone(),
    perUser: s.timeZone === 'user',
    fallbackTimeZone: s.fallbackTimeZone ?? browserZone(),
    repeat: s.repeat
      ? { every: s.repeat.every, unit: s.repeat.unit, until: s.repeat.until ?? '' }
      : null,
    event: s.type === 'event' ? (s.event ?? '') : '',
    where: s.type === 'event' ? (s.where ?? []) : [],
    delay: s.type === 'event' && s.delay ? s.delay : null,
    resend: c.fatigue?.resend ?? null,
    frequencyCapping: Boolean(c.fatigue?.frequencyCapping),
    rateLimit: c.rateLimit?.perMinute ?? null,
    quietHours: Boolean(c.quietHours),
  };
}

/** The PATCH body for the form (only the fields this step owns). */
function bodyOf(f) {
  let send = null;
  if (f.type === 'schedule') {
    send = {
      type: 'schedule',
      at: `${f.date}T${f.time}`,
      ...(f.perUser
        ? { timeZone: 'user', fallbackTimeZone: f.fallbackTimeZone }
        : { timeZone: f.timeZone }),
    };
    if (f.repeat)
      send.repeat = {
        every: Number(f.repeat.every),
        unit: f.repeat.unit,
        ...(f.repeat.until ? { until: f.repeat.until } : {}),
      };
  } else if (f.type === 'event') {
    send = {
      type: 'event',
      event: f.event,
      ...(f.where.length ? { where: f.where } : {}),
      ...(f.delay ? { delay: { value: Number(f.delay.value), unit: f.delay.unit } } : {}),
    };
  } else if (f.type === 'api') send = { type: 'api' };
  const body = {
    fatigue: {
      resend: f.resend ? { every: Number(f.resend.every), unit: f.resend.unit } : null,
      frequencyCapping: f.frequencyCapping,
    },
    rateLimit: f.rateLimit ? { perMinute: Number(f.rateLimit) } : null,
  };
  if (send) body.send = send;
  body.quietHours = f.quietHours;
  return body;
}

/** Step 5: send type, fatigue, capping opt-in, rate limit, and the status card to start. */
export function StartStep({ campaign, engine, patch, reload, setNotice }) {
  const stored = {
    send: campaign.send ?? null,
    fatigue: campaign.fatigue ?? null,
    rateLimit: campaign.rateLimit ?? null,
    quietHours: Boolean(campaign.quietHours),
  };
  const [f, setF] = useState(() => takeDraft(campaign.key, 'start', stored, formOf(campaign)));
  const [props, setProps] = useState(null);
  const [caps, setCaps] = useState(null);
  const [saved, setSaved] = useState({ text: '', problems: [] });
  const [when, setWhen] = useState('');
  const [passed, setPassed] = useState(null);
  const [exampleUser, setExampleUser] = useState(null); // a user of the target, for the API example
  useEffect(() => {
    const t = campaign.target;
    if (t?.cohort)
      client
        .estimate(t.cohort, 1)
        .then((r) => setExampleUser(r.ok ? (r.data.sample?.[0] ?? null) : null));
    else if (t?.allUsers)
      client
        .findUsers('', 1)
        .then((r) => setExampleUser(r.ok ? (r.data.users[0]?.id ?? null) : null));
  }, [JSON.stringify(campaign.target)]); // a warning when a one-time schedule's time is already past
  useEffect(() => {
    loadProperties().then(setProps);
    client.frequencyCapping().then((r) => setCaps(r.ok ? (r.data?.rules ?? []) : null));
  }, []);
  const edit = editability(engine, campaign.status, ['send', 'fatigue', 'rateLimit']);
  // While the engine loads no rule is known: nothing is offered for editing yet.
  const readOnly = !edit?.ok;
  // Problems show for fields the person has changed (or after a save), never for one not touched yet.
  const [touched, setTouched] = useState(() => new Set());
  const set = (patchF) => {
    setF((old) => ({ ...old, ...patchF }));
    setTouched((t) => new Set([...t, ...Object.keys(patchF).map((k) => FIELD_OF[k] ?? k)]));
    setSaved({ text: '', problems: [] }); // a refusal speaks of what was sent, not of what is typed now
  };
  const body = bodyOf(f);
  const shape = engine ? engine.checkCampaign(body, { partial: true }) : { problems: [] };
  const shown = (p) =>
    saved.tried ||
    [...touched].some(
      (t) => p.field === t || p.field.startsWith(`${t}.`) || p.field.startsWith(`${t}[`),
    );
  const problems = [
    ...shape.problems.filter(shown),
    ...(passed ? [passed] : []),
    ...saved.problems,
  ];
  const { units } = vocabulary(engine);
  const dirty = JSON.stringify(body) !== JSON.stringify(bodyOf(formOf(campaign)));
  useEffect(() => keepDraft(campaign.key, 'start', stored, f, dirty), [f, dirty]);
  const allZones = useMemo(zones, []);

  // "That is … your time": the schedule's instant shown in the reader's zone.
  useEffect(() => {
    let live = true;
    setWhen('');
    setPassed(null);
    if (f.type !== 'schedule' || !f.date || !f.time) return undefined;
    loadTimezone().then((m) => {
      const fn = m?.zonedToUtcMs;
      if (!live || typeof fn !== 'function') return;
      try {
        const zone = f.perUser ? f.fallbackTimeZone : f.timeZone;
        const ms = fn(engine, `${f.date}T${f.time}`, zone);
        if (!Number.isFinite(ms)) return;
        setWhen(
          `That is ${formatTime(new Date(ms).toISOString(), browserZone())} in your time zone.`,
        );
        if (ms <= Date.now() && !f.repeat && !f.perUser) {
          setPassed({
            field: 'send.at',
            code: 'schedule_passed',
            severity: 'warning',
            message: `${formatTime(new Date(ms).toISOString(), zone)} has already passed: Start needs a time in the future.`,
          });
        }
      } catch {
        /* an unknown zone is reported as a problem instead */
      }
    });
    return () => {
      live = false;
    };
  }, [
    engine,
    f.type,
    f.date,
    f.time,
    f.timeZone,
    Boolean(f.repeat),
    f.perUser,
    f.fallbackTimeZone,
  ]);

  const save = async (e) => {
    e.preventDefault();
    const r = await patch(body);
    setSaved({
      text: r.ok ? 'Saved.' : r.error.message,
      problems: r.ok ? [] : r.problems,
      tried: true,
    });
  };
  const events = props?.events ?? [];
  const ev = events.find((x) => x.key === f.event);
  const origin = location.origin;
  // The example sends to a real user of the target, so running it sends (not "not in cohort").
  const who = exampleUser ?? 'USER_ID';
  const apiCurl = `curl -X POST '${origin}/v1/campaigns/${campaign.key}/send' \\\n  -H "Authorization: Bearer $HOOKCAST_API_KEY" \\\n  -H 'Content-Type: application/json' \\\n  -H 'Idempotency-Key: order-1234' \\\n  -d '{"recipients": [{"userId": ${JSON.stringify(who)}, "properties": {"coupon": "WELCOME10"}}], "properties": {"reason": "signup"}}'`;
  return html`<div class="step-grid">
    <form class="card" onSubmit=${save} aria-labelledby="start-title">
      <h2 id="start-title">Send type</h2>
      ${edit && !edit.ok ? html`<p class="why">${edit.message}</p>` : null}
      <fieldset class="choice" disabled=${readOnly}><legend>When does it go out?</legend>
        <label><input type="radio" name="send-type" id="type-schedule" checked=${f.type === 'schedule'} onChange=${() => set({ type: 'schedule' })} /> <strong>Schedule-based</strong>: at a date and time</label>
        <label><input type="radio" name="send-type" id="type-event" checked=${f.type === 'event'} onChange=${() => set({ type: 'event', event: f.event || events[0]?.key || '' })} /> <strong>Event-based</strong>: when a user does something</label>
        <label><input type="radio" name="send-type" id="type-api" checked=${f.type === 'api'} onChange=${() => set({ type: 'api' })} /> <strong>API-based</strong>: when your server asks</label>
      </fieldset>
      <${Problems} list=${problems.filter((p) => p.field === 'send' || p.field === 'send.type')} />

      ${
        f.type === 'schedule'
          ? html`<fieldset disabled=${readOnly}><legend>Schedule</legend><div class="form-grid">
        <div class="field"><label for="send-date">Date</label><input id="send-date" type="date" value=${f.date} onInput=${(e) => set({ date: e.currentTarget.value })} /></div>
        <div class="field"><label for="send-time">Time</label><input id="send-time" type="time" value=${f.time} onInput=${(e) => set({ time: e.currentTarget.value })} /></div>
        ${f.perUser ? null : html`<div class="field"><label for="send-zone">Time zone</label><input id="send-zone" list="zone-list" value=${f.timeZone} onInput=${(e) => set({ timeZone: e.currentTarget.value })} /></div>`}
        <datalist id="zone-list">${allZones.map((z) => html`<option value=${z} />`)}</datalist>
      </div>
      <${UserZoneChoice} f=${f} set=${set} problems=${problems} target=${campaign.target} />
      ${f.perUser ? null : html`<p class="muted small-text" role="status">${when}</p>`}
      <${Problems} list=${problemsFor(problems, 'send.at').concat(problemsFor(problems, 'send.timeZone'))} />
      <label class="inline"><input type="checkbox" checked=${Boolean(f.repeat)} onChange=${(e) => set({ repeat: e.currentTarget.checked ? { every: 1, unit: 'days', until: '' } : null })} /> Repeat</label>
      ${
        f.repeat
          ? html`<div class="inline-form">every <input type="number" min="1" aria-label="repeat every" value=${f.repeat.every} onInput=${(e) => set({ repeat: { ...f.repeat, every: e.currentTarget.value } })} />
        <select aria-label="repeat unit" value=${f.repeat.unit} onChange=${(e) => set({ repeat: { ...f.repeat, unit: e.currentTarget.value } })}>${units.repeat.map((u) => html`<option>${u}</option>`)}</select>
        until <input type="date" aria-label="repeat until" value=${f.repeat.until} onInput=${(e) => set({ repeat: { ...f.repeat, until: e.currentTarget.value } })} /> <span class="hint">(optional)</span></div>`
          : null
      }
      <${Problems} list=${problemsFor(problems, 'send.repeat')} /></fieldset>`
          : null
      }

      ${
        f.type === 'event'
          ? html`<fieldset disabled=${readOnly}><legend>Trigger</legend>
        <div class="field"><label for="send-event">When a user does</label>
          <select id="send-event" value=${f.event} onChange=${(e) => set({ event: e.currentTarget.value, where: [] })}>
            <option value="">Choose an event…</option>${events.map((x) => html`<option value=${x.key}>${x.key} (${x.count} seen)</option>`)}
            ${f.event && !ev ? html`<option value=${f.event}>${f.event}</option>` : null}</select></div>
        ${f.where.map(
          (
            w,
            i,
          ) => html`<div class="where-row">where <${PropertyCondition} label="Event property" cond=${w} props=${{ user: ev?.properties ?? [] }} ops=${operators(engine)} path=${`send.where[${i}]`}
            onChange=${(nw) => set({ where: f.where.map((x, j) => (j === i ? nw : x)) })} disabled=${readOnly} />
          <button type="button" class="icon-button" aria-label="Remove this filter" onClick=${() => set({ where: f.where.filter((_, j) => j !== i) })}>×</button>
          <${Problems} list=${problemsFor(problems, `send.where[${i}]`)} /></div>`,
        )}
        <button type="button" class="link" onClick=${() => set({ where: [...f.where, { property: ev?.properties?.[0]?.name ?? '', op: 'eq', value: '' }] })}>+ only when the event's properties match</button>
        <p><label class="inline"><input type="checkbox" checked=${Boolean(f.delay)} onChange=${(e) => set({ delay: e.currentTarget.checked ? { value: 10, unit: 'minutes' } : null })} /> Wait before sending</label>
        ${
          f.delay
            ? html` <input type="number" min="1" aria-label="delay" value=${f.delay.value} onInput=${(e) => set({ delay: { ...f.delay, value: e.currentTarget.value } })} />
          <select aria-label="delay unit" value=${f.delay.unit} onChange=${(e) => set({ delay: { ...f.delay, unit: e.currentTarget.value } })}>${units.delay.map((u) => html`<option>${u}</option>`)}</select>`
            : null
        }</p>
        <${Problems} list=${problemsFor(problems, 'send').filter((p) => p.field !== 'send' && p.field !== 'send.type' && !/^send\.where\[/.test(p.field))} /></fieldset>`
          : null
      }

      ${
        f.type === 'api'
          ? html`<div class="field"><span class="label">Your server sends it with</span>
        <pre class="mono curl" id="api-curl">${apiCurl}</pre><${CopyButton} text=${apiCurl} label="Copy" />
        ${
          exampleUser
            ? html`<p class="muted small-text">The example sends to <code>${exampleUser}</code>, a user of this campaign's target.</p>`
            : html`<p class="muted small-text">No user is in the target yet: replace USER_ID with one who is.</p>`
        }
        <p class="muted small-text">Up to 1000 recipients per call. Each recipient's properties are used for this message only (nothing is stored). Repeating a call with the same Idempotency-Key within 24 hours sends nothing more.</p></div>`
          : null
      }

      <h2>Customer fatigue</h2>
      <fieldset class="choice" disabled=${readOnly}><legend>Duplicate send</legend>
        <label><input type="radio" name="resend" checked=${!f.resend} onChange=${() => set({ resend: null })} /> Send once per user</label>
        <label><input type="radio" name="resend" checked=${Boolean(f.resend)} onChange=${() => set({ resend: { every: 1, unit: 'days' } })} /> Send again after</label>
        ${
          f.resend
            ? html`<span class="inline-form"><input type="number" min="1" aria-label="resend after" value=${f.resend.every} onInput=${(e) => set({ resend: { ...f.resend, every: e.currentTarget.value } })} />
          <select aria-label="resend unit" value=${f.resend.unit} onChange=${(e) => set({ resend: { ...f.resend, unit: e.currentTarget.value } })}>${units.resend.map((u) => html`<option>${u}</option>`)}</select></span>`
            : null
        }
      </fieldset>
      <${Problems} list=${problemsFor(problems, 'fatigue.resend')} />
      <fieldset disabled=${readOnly}><legend>Frequency capping</legend>
        <label class="inline"><input type="checkbox" id="apply-capping" checked=${f.frequencyCapping} onChange=${(e) => set({ frequencyCapping: e.currentTarget.checked })} /> Apply the workspace's frequency capping to this campaign</label>
        <p class="muted small-text">${
          caps === null
            ? ''
            : caps.length === 0
              ? 'The workspace has no frequency capping rules yet, so nothing is capped.'
              : `Workspace rules: ${caps.map((r) => `at most ${r.limit} ${r.limit === 1 ? 'message' : 'messages'} per ${r.period.value === 1 ? r.period.unit.replace(/s$/, '') : `${r.period.value} ${r.period.unit}`}`).join(' and ')} (counted by send start time).`
        }
          <a href="#/settings/frequency-capping"> Frequency capping settings</a></p></fieldset>
      <fieldset disabled=${readOnly}><legend>Quiet hours</legend>
        <${QuietHoursOptIn} f=${f} set=${set} /></fieldset>
      <fieldset disabled=${readOnly}><legend>Rate limit</legend>
        <label class="inline"><input type="checkbox" checked=${Boolean(f.rateLimit)} onChange=${(e) => set({ rateLimit: e.currentTarget.checked ? 60 : null })} /> Pace the sends</label>
        ${f.rateLimit ? html` at most <input type="number" min="1" aria-label="messages per minute" value=${f.rateLimit} onInput=${(e) => set({ rateLimit: e.currentTarget.value })} /> per minute` : null}
        <p class="muted small-text">For receivers with their own limit (an SMS or chat provider): messages go out evenly spaced.</p>
        <${Problems} list=${problemsFor(problems, 'rateLimit')} /></fieldset>
      <div class="actions"><button type="submit" class="primary" id="save-start" disabled=${readOnly || !dirty}>Save</button>
        <span role="status" class="muted" id="start-status">${dirty ? 'Unsaved changes.' : saved.text}</span></div>
    </form>
    <div class="side-cards"><${StatusCard} campaign=${campaign} engine=${engine} setNotice=${setNotice} reload=${reload} />
      <${MeasureCard} campaign=${campaign} engine=${engine} patch=${patch} /></div>
  </div>`;
}

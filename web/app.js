// hookcast console: boots the engine, signs in with the API key, and routes
// between the pages by the URL's hash:
//   #/campaigns                       campaign list
//   #/campaigns/<key>/<step>          one campaign (settings, webhook, target, review, test, start, results)
//   #/cohorts, #/cohorts/<id|new>     cohorts and the cohort builder
//   #/settings/frequency-capping      workspace frequency capping
//   #/settings/quiet-hours            workspace quiet hours
//   #/destinations                    destination health (the circuit breaker)
import { html, render, useEffect, useState } from './ui.js';
import { signIn, signOut, signedIn as checkSignedIn, takeKeyFromFragment } from './auth.js';
import { onUnauthorized } from './api.js';
import { loadEngine } from './engine.js';
import { CampaignList } from './campaigns.js';
import { CampaignPage } from './campaign.js';
import { CohortsPage, CohortPage } from './cohorts.js';
import { CappingPage } from './capping.js';
import { QuietHoursPage } from './quiet_hours.js';
import { DestinationsPage } from './destinations.js';

/** A key the address brought (taken out of it at once), exchanged when the app starts. */
let arrivedKey = takeKeyFromFragment();

/** The route from the hash; `onKey(key)` when a signed-in URL is opened again in this tab. */
function useRoute(onKey) {
  const read = () =>
    location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => {
      const key = takeKeyFromFragment();
      if (key) onKey(key);
      setRoute(read());
    };
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onDone, failed }) {
  const [key, setValue] = useState('');
  const [problem, setProblem] = useState(
    failed ? 'The worker did not accept that key. Check the key it was started with.' : '',
  );
  const submit = async (e) => {
    e.preventDefault();
    if (!key.trim()) {
      setProblem('Enter the API key.');
      return;
    }
    if (!(await signIn(key.trim()))) {
      setProblem('The worker did not accept that key. Check the key it was started with.');
      return;
    }
    onDone();
  };
  return html`<main class="signin card">
    <h1>Sign in to hookcast</h1>
    <p>Enter the workspace's API key (HOOKCAST_API_KEY). Every tab of this browser stays signed in for 12 hours; the page does not keep the key itself.
      <span class="muted">Started locally with <code>npm start</code>? Open the URL it printed instead: it signs you in.</span></p>
    <form onSubmit=${submit}>
      <label for="signin-key">API key</label>
      <input id="signin-key" type="password" class="mono" autocomplete="off" value=${key}
        onInput=${(e) => setValue(e.currentTarget.value)} aria-invalid=${problem ? 'true' : undefined} aria-describedby="signin-problem" />
      <p id="signin-problem" class="problem-text" role="alert">${problem}</p>
      <button type="submit" class="primary">Sign in</button>
    </form>
  </main>`;
}

function App() {
  const [signedIn, setSignedIn] = useState(null); // null while asking the worker
  const [refused, setRefused] = useState(false);
  /** Exchanges a key the address brought, then asks whether this browser is signed in. */
  const settle = async (key) => {
    setSignedIn(null);
    if (key && !(await signIn(key))) {
      setSignedIn(false);
      setRefused(true);
      return;
    }
    setSignedIn(await checkSignedIn());
  };
  const route = useRoute(settle);
  useEffect(() => {
    const key = arrivedKey;
    arrivedKey = null;
    settle(key);
  }, []);
  const [engine, setEngine] = useState(null);
  const [engineError, setEngineError] = useState('');

  useEffect(
    () =>
      onUnauthorized(() => {
        setSignedIn(false);
        setRefused(true);
      }),
    [],
  );
  useEffect(() => {
    loadEngine().then(
      (e) => {
        setEngine(e);
        document.body.dataset.engine = 'ready';
      },
      (err) => {
        setEngineError(err.message);
        document.body.dataset.engine = 'error';
      },
    );
  }, []);

  if (signedIn === null) return html`<p class="loading">Signing in…</p>`;
  if (!signedIn)
    return html`<${SignIn} failed=${refused} onDone=${() => {
      setSignedIn(true);
      setRefused(false);
    }} />`;

  const [section = 'campaigns', id, step] = route;
  let page;
  if (section === 'campaigns' && id)
    page = html`<${CampaignPage} key=${id} campaignKey=${id} step=${step ?? 'settings'} engine=${engine} />`;
  else if (section === 'cohorts' && id)
    page = html`<${CohortPage} key=${id} id=${id} engine=${engine} />`;
  else if (section === 'cohorts') page = html`<${CohortsPage} />`;
  else if (section === 'settings' && id === 'quiet-hours') page = html`<${QuietHoursPage} />`;
  else if (section === 'settings') page = html`<${CappingPage} engine=${engine} />`;
  else if (section === 'destinations') page = html`<${DestinationsPage} />`;
  else page = html`<${CampaignList} engine=${engine} />`;

  const nav = (href, label, active) =>
    html`<a href=${href} aria-current=${active ? 'page' : undefined}>${label}</a>`;
  return html`
    <a class="skip-link" href="#main" onClick=${(e) => {
      e.preventDefault();
      document.getElementById('main')?.focus();
    }}>Skip to content</a>
    <header class="topbar">
      <a class="brand" href="#/campaigns">hookcast</a>
      <nav aria-label="Sections">
        ${nav('#/campaigns', 'Webhook campaigns', section === 'campaigns')}
        ${nav('#/cohorts', 'Cohorts', section === 'cohorts')}
        ${nav('#/settings/frequency-capping', 'Frequency capping', section === 'settings' && id !== 'quiet-hours')}
        ${nav('#/settings/quiet-hours', 'Quiet hours', section === 'settings' && id === 'quiet-hours')}
        ${nav('#/destinations', 'Destinations', section === 'destinations')}
      </nav>
      <p class="engine-status" role="status" data-state=${engineError ? 'error' : engine ? 'ok' : 'loading'}>
        ${engineError ? `Engine failed to load: ${engineError}` : engine ? 'Engine ready' : 'Loading the engine…'}</p>
      <button type="button" class="link sign-out" id="sign-out" onClick=${async () => {
        await signOut();
        setRefused(false);
        setSignedIn(false);
      }}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${page}</main>`;
}

const root = document.getElementById('app');
root.textContent = ''; // the "Loading…" line shown before the modules ran
render(html`<${App} />`, root);

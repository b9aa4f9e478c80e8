// hookcast console: boots the engine, signs in with the API key, and routes
// between the pages by the URL's hash:
//   #/campaigns                       campaign list
//   #/campaigns/<key>/<step>          one campaign (settings, webhook, target, review, test, start, results)
//   #/cohorts, #/cohorts/<id|new>     cohorts and the cohort builder
//   #/settings/frequency-capping      workspace frequency capping
import { html, render, useEffect, useState } from './ui.js';
import { adoptKeyFromFragment, getKey, setKey } from './auth.js';
import { onUnauthorized } from './api.js';
import { client } from './client.js';
import { loadEngine } from './engine.js';
import { CampaignList } from './campaigns.js';
import { CampaignPage } from './campaign.js';
import { CohortsPage, CohortPage } from './cohorts.js';
import { CappingPage } from './capping.js';

adoptKeyFromFragment();

function useRoute() {
  const read = () => {
    adoptKeyFromFragment(); // also when a signed-in URL is opened again in this tab
    return location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  };
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onDone, failed }) {
  const [key, setValue] = useState('');
  const [problem, setProblem] = useState(failed ? 'The worker did not accept that key. Check the key it was started with.' : '');
  const submit = async (e) => {
    e.preventDefault();
    if (!key.trim()) { setProblem('Enter the API key.'); return; }
    setKey(key.trim());
    const res = await client.campaigns();
    if (res.status === 401) { setProblem('The worker did not accept that key. Check the key it was started with.'); return; }
    onDone();
  };
  return html`<main class="signin card">
    <h1>Sign in to hookcast</h1>
    <p>Enter the workspace's API key (HOOKCAST_API_KEY). It is kept for this browser tab only.
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
  const route = useRoute();
  const [signedIn, setSignedIn] = useState(Boolean(getKey()));
  const [refused, setRefused] = useState(false);
  const [engine, setEngine] = useState(null);
  const [engineError, setEngineError] = useState('');

  useEffect(() => onUnauthorized(() => { setSignedIn(false); setRefused(true); }), []);
  useEffect(() => {
    loadEngine().then((e) => { setEngine(e); document.body.dataset.engine = 'ready'; },
      (err) => { setEngineError(err.message); document.body.dataset.engine = 'error'; });
  }, []);

  if (!signedIn) return html`<${SignIn} failed=${refused} onDone=${() => { setSignedIn(true); setRefused(false); }} />`;

  const [section = 'campaigns', id, step] = route;
  let page;
  if (section === 'campaigns' && id) page = html`<${CampaignPage} key=${id} campaignKey=${id} step=${step ?? 'settings'} engine=${engine} />`;
  else if (section === 'cohorts' && id) page = html`<${CohortPage} key=${id} id=${id} engine=${engine} />`;
  else if (section === 'cohorts') page = html`<${CohortsPage} />`;
  else if (section === 'settings') page = html`<${CappingPage} engine=${engine} />`;
  else page = html`<${CampaignList} />`;

  const nav = (href, label, active) => html`<a href=${href} aria-current=${active ? 'page' : undefined}>${label}</a>`;
  return html`
    <a class="skip-link" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById('main')?.focus(); }}>Skip to content</a>
    <header class="topbar">
      <a class="brand" href="#/campaigns">hookcast</a>
      <nav aria-label="Sections">
        ${nav('#/campaigns', 'Webhook campaigns', section === 'campaigns')}
        ${nav('#/cohorts', 'Cohorts', section === 'cohorts')}
        ${nav('#/settings/frequency-capping', 'Frequency capping', section === 'settings')}
      </nav>
      <p class="engine-status" role="status" data-state=${engineError ? 'error' : engine ? 'ok' : 'loading'}>
        ${engineError ? `Engine failed to load: ${engineError}` : engine ? 'Engine ready' : 'Loading the engine…'}</p>
    </header>
    <main id="main" tabindex="-1">${page}</main>`;
}

const root = document.getElementById('app');
root.textContent = ''; // the "Loading…" line shown before the modules ran
render(html`<${App} />`, root);

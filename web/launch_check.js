// What Start still needs, before anyone presses it: the worker's launch
// check (POST /v1/campaigns/:key/launch-check), the same check `start` makes,
// asked without starting. The console does not rebuild it.
import { useEffect, useState } from './ui.js';
import { client } from './client.js';
import { capabilities } from './engine.js';

/**
 * The launch problems of a campaign its status lets start (the engine's
 * capabilities name a `start` transition); null while asking, while the
 * engine loads, or when the worker could not be asked: then Start answers
 * with them.
 */
export function useLaunchCheck(campaign, engine) {
  const [problems, setProblems] = useState(null);
  const startable = Boolean(capabilities(engine, campaign)?.transitions.start);
  useEffect(() => {
    let live = true;
    setProblems(null);
    if (!startable) return undefined;
    client.launchCheck(campaign.key).then((r) => {
      if (live && r.ok) setProblems(r.data.problems);
    });
    return () => {
      live = false;
    };
  }, [campaign, startable]);
  return problems;
}

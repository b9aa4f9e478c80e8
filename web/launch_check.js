// What Start still needs, before anyone presses it: the worker's launch
// check (POST /v1/campaigns/:key/launch-check), the same check `start` makes,
// asked without starting. The console does not rebuild it.
import { useEffect, useState } from './ui.js';
import { client } from './client.js';

/**
 * The launch problems of a campaign in `ready` (null while asking, or when
 * the worker could not be asked: then Start answers with them).
 */
export function useLaunchCheck(campaign) {
  const [problems, setProblems] = useState(null);
  useEffect(() => {
    let live = true;
    setProblems(null);
    if (campaign.status !== 'ready') return undefined;
    client.launchCheck(campaign.key).then((r) => {
      if (live && r.ok) setProblems(r.data.problems);
    });
    return () => {
      live = false;
    };
  }, [campaign]);
  return problems;
}

// What Start still needs, before anyone presses it: the engine's launch
// check (engine.launchCheck, the same call the worker makes on start) on the
// stored campaign, with the schedule's instant from src/js/timezone.js.
import { useEffect, useState } from './ui.js';
import { localHttpAllowed } from './local_http.js';

/**
 * The launch problems of a campaign in `ready` (null while checking, or when
 * this engine build has no launch check: then Start asks the worker).
 */
export function useLaunchCheck(engine, campaign) {
  const [problems, setProblems] = useState(null);
  useEffect(() => {
    let live = true;
    setProblems(null);
    if (!engine || typeof engine.launchCheck !== 'function' || campaign.status !== 'ready') return undefined;
    (async () => {
      const allowLocalHttp = await localHttpAllowed();
      const send = campaign.send;
      let scheduleAtMs = null;
      let until = null;
      if (send?.type === 'schedule') {
        try {
          const tz = await import('../src/js/timezone.js');
          scheduleAtMs = tz.occurrenceMs(send.at, send.timeZone, send.repeat ?? null, 0);
          until = send.repeat?.until ? tz.untilMs(send.repeat.until, send.timeZone) : null;
        } catch {
          // A time or zone the worker stored but this browser cannot resolve: the worker decides on start.
        }
      }
      const { title, description, webhook, target, send: s, fatigue, rateLimit, timeoutMs } = campaign;
      const result = engine.launchCheck({ title, description, webhook, target, send: s, fatigue, rateLimit, timeoutMs },
        { nowMs: Date.now(), scheduleAtMs, untilMs: until, allowLocalHttp });
      if (live) setProblems(result.problems.filter((p) => p.severity !== 'warning'));
    })();
    return () => { live = false; };
  }, [engine, campaign]);
  return problems;
}

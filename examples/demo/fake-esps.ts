// The demo's stand-ins for Postmark and Mailgun: the packages' own fake ESPs on 127.0.0.1.
// "Postmark" has a short outage (HTTP 503 for its first requests) so failover shows.
import { startFakeEsp, type FakeEsp, type FakeEspRoutes } from '@anymail/core/test';
import { createFakeMailgun } from '@anymail/mailgun/test';
import { postmarkFakeRoutes } from '@anymail/postmark/test';

export interface FakeEsps {
  postmark: FakeEsp;
  mailgun: FakeEsp;
  close(): Promise<void>;
}

/** Wrap routes so the first `requests` calls answer 503, as during an ESP incident. */
function withOutage(routes: FakeEspRoutes, requests: number): FakeEspRoutes {
  let seen = 0;
  return Object.fromEntries(
    Object.entries(routes).map(([key, route]) => [
      key,
      (call: Parameters<Extract<FakeEspRoutes[string], Function>>[0]) => {
        seen++;
        if (seen <= requests) return { status: 503, body: 'Service Unavailable (the demo’s simulated outage)' };
        return typeof route === 'function' ? route(call) : route;
      },
    ]),
  );
}

export async function startFakeEsps(outageRequests: number): Promise<FakeEsps> {
  const postmark = await startFakeEsp(withOutage(postmarkFakeRoutes(), outageRequests));
  const mailgun = await startFakeEsp(createFakeMailgun().routes);
  return {
    postmark,
    mailgun,
    async close() {
      await postmark.close();
      await mailgun.close();
    },
  };
}

/**
 * CallResource routes of a message-source datasource (`/api/datasources/uid/<uid>/resources/<path>`), JSON:
 *   GET topics?filter=<topic filter> → the concrete topics seen under the filter, sorted, at most
 *       MAX_TOPICS (dashboard variables); the filter is subscribed (and kept for the idle grace), and a
 *       filter with nothing buffered yet is given up to TOPICS_WAIT_MS for retained or live messages.
 *   GET settings → the effective settings (no secrets)
 * Unknown paths answer 404, known paths with another method 405, a bad filter 400.
 */
import type { CallResourceRequest, ResourceResponseWriter } from '@tributary/grafana-backend-sdk';
import { topicFilterError } from '../../../../src/shared/topicFilter';
import type { RawMessage, Subscription } from '../../sources/contracts';
import type { MessageConnection } from '../../sources/glue/ports';

export const MAX_TOPICS = 1_000;
export const TOPICS_WAIT_MS = 1_000;

export interface ResourceContext {
  connection: MessageConnection;
  recentFilters: () => string[];
  settings: unknown;
  /** Only MQTT has topics to list; a web stream is one series. */
  hasTopics: boolean;
}

export async function handleMessageResource(req: CallResourceRequest, res: ResourceResponseWriter, context: ResourceContext): Promise<void> {
  const url = new URL(req.url || req.path, 'http://resource.invalid/');
  const path = req.path.replace(/^\/+|\/+$/g, '').split('?')[0];
  if ((path !== 'topics' || !context.hasTopics) && path !== 'settings') {
    res.json(404, { error: `no resource ${JSON.stringify(path)}; available: ${context.hasTopics ? 'topics, ' : ''}settings` });
    return;
  }
  const method = req.method.toUpperCase();
  if (method !== 'GET') {
    res.writeHead(405, { 'Content-Type': 'application/json', Allow: 'GET' });
    res.end(JSON.stringify({ error: `method ${method} not allowed on ${path}; use GET` }));
    return;
  }
  if (path === 'settings') {
    res.json(200, { settings: context.settings });
    return;
  }
  const filter = url.searchParams.get('filter') ?? '';
  const problem = topicFilterError(filter);
  if (problem) {
    res.json(400, { error: `filter: ${problem}` });
    return;
  }
  let subscription: Subscription;
  try {
    subscription = context.connection.subscribe(filter);
  } catch (error) {
    res.json(400, { error: `filter: ${(error as Error).message}` });
    return;
  }
  res.json(200, await topicsUnder(subscription));
}

/** The topics of what the subscription holds (it is released here). */
async function topicsUnder(subscription: Subscription): Promise<string[]> {
  try {
    const all = { fromMs: Number.NEGATIVE_INFINITY, toMs: Number.POSITIVE_INFINITY };
    let messages = subscription.history(all);
    if (messages.length === 0) {
      messages = await firstMessages(subscription, TOPICS_WAIT_MS);
    }
    const topics = new Set<string>();
    // Newest first, so the cap keeps the topics that are alive now.
    for (let i = messages.length - 1; i >= 0 && topics.size < MAX_TOPICS; i--) {
      topics.add(messages[i].topic);
    }
    return [...topics].sort();
  } finally {
    subscription.release();
  }
}

/** Waits up to `waitMs` for messages (retained ones arrive right after subscribing), then a little more for their siblings. */
function firstMessages(subscription: Subscription, waitMs: number): Promise<RawMessage[]> {
  return new Promise((resolve) => {
    let settle: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      clearTimeout(deadline);
      clearTimeout(settle);
      unfollow();
      resolve(subscription.history({ fromMs: Number.NEGATIVE_INFINITY, toMs: Number.POSITIVE_INFINITY }));
    };
    const deadline = setTimeout(finish, waitMs);
    const unfollow = subscription.follow(0, () => {
      // Retained messages of many topics come in a burst: give the rest of it 100 ms.
      settle ??= setTimeout(finish, 100);
    });
  });
}

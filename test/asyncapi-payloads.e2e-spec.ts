import { Job, Queue } from 'bullmq';
import type { ValidateFunction } from 'ajv';
import { ASYNCAPI_DOCUMENT_PATH } from '../src/asyncapi/asyncapi-document';
import { EVENT_TYPES } from '../src/modules/events/outbox.service';
import { QUEUE_NAMES, type QueueName } from '../src/queues/queue-names';
import { buy, createMarket, sell } from './factories/markets';
import { ADMIN_ENV, grantCredits, loginAdmin, registerUser, TestUser } from './factories/users';
import { expectValidPayload, payloadValidators } from './support/asyncapi';
import { FakeEmbeddingsServer, startFakeEmbeddingsServer } from './support/fake-embeddings-server';
import { createTestApp, TestApp } from './support/test-app';

/**
 * The document tells the truth about real jobs: each flow that adds a job runs through HTTP
 * and the worker role in process (outbox relay, settlement, search indexing), then the jobs
 * are read back from BullMQ and checked against the served document: payload schema, job
 * name, job id and the documented job options.
 */

type Served = {
  channels: Record<string, { address: string; 'x-bullmq': { jobOptions: object } }>;
};

const ALL_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed'] as const;

describe('real jobs validate against the AsyncAPI document', () => {
  let t: TestApp;
  let fake: FakeEmbeddingsServer;
  let served: Served;
  let validators: Map<string, ValidateFunction>;
  let queues: Record<QueueName, Queue>;
  let admin: TestUser;
  let creator: TestUser;
  let trader: TestUser;

  const jobOptionsOf = (queue: QueueName): object =>
    Object.values(served.channels).find((channel) => channel.address === queue)!['x-bullmq']
      .jobOptions;

  const resolve = (marketId: string, outcome: string) =>
    t.request({
      method: 'POST',
      url: `/api/markets/${marketId}/resolve`,
      headers: creator.auth,
      payload: { outcome },
    });

  async function jobsOf(queue: QueueName): Promise<Job[]> {
    return (await queues[queue].getJobs([...ALL_STATES])).filter(Boolean);
  }

  beforeAll(async () => {
    fake = await startFakeEmbeddingsServer();
    t = await createTestApp({
      env: { ...ADMIN_ENV, EMBEDDINGS_URL: fake.url, EMBEDDINGS_MODEL: 'fake-embed-384' },
    });
    const res = await t.request({ method: 'GET', url: ASYNCAPI_DOCUMENT_PATH });
    expect(res.statusCode).toBe(200);
    served = res.json();
    validators = await payloadValidators(served);
    const connection = { url: t.config.redis.url };
    const prefix = `${t.redisPrefix}:bull`;
    queues = Object.fromEntries(
      Object.values(QUEUE_NAMES).map((name) => [name, new Queue(name, { connection, prefix })]),
    ) as Record<QueueName, Queue>;
    admin = await loginAdmin(t);
    creator = await registerUser(t);
    trader = await registerUser(t);
    await grantCredits(t, admin, creator, '1000.00', 'asyncapi test');
  });

  afterAll(async () => {
    if (queues) await Promise.all(Object.values(queues).map((queue) => queue.close()));
    await t?.close();
    await fake?.close();
  });

  it('market-events: every event type, from create, trade, edit, delete, resolve and settle', async () => {
    const traded = await createMarket(t, creator, {
      tags: ['weather'],
      initialPosition: { outcome: 'YES', amount: '10.00' },
    });
    const bought = await buy(t, trader, { marketId: traded.id, outcome: 'NO', amount: '5.00' });
    expect(bought.statusCode).toBe(201);
    const sold = await sell(t, trader, bought.json().data.position.id, { shares: '1.000000' });
    expect(sold.statusCode).toBe(200);
    const edited = await t.request({
      method: 'PATCH',
      url: `/api/markets/${traded.id}`,
      headers: creator.auth,
      payload: { name: 'Will it rain in Zephyria on Friday?' },
    });
    expect(edited.statusCode).toBe(200);
    expect((await resolve(traded.id, 'YES')).statusCode).toBe(202);

    const deleted = await createMarket(t, creator);
    const deletion = await t.request({
      method: 'DELETE',
      url: `/api/markets/${deleted.id}`,
      headers: admin.auth, // deleting needs the `delete` permission
    });
    expect(deletion.statusCode).toBe(204);

    const cancelled = await createMarket(t, creator);
    expect((await resolve(cancelled.id, 'CANCEL')).statusCode).toBe(202);

    const marketIds = [traded.id, deleted.id, cancelled.id];
    // market.settled of both resolved markets is the last event: wait until the relay sent it.
    let events: Job[] = [];
    await vi.waitFor(
      async () => {
        events = (await jobsOf(QUEUE_NAMES.marketEvents)).filter((job) =>
          marketIds.includes(job.data.marketId),
        );
        expect(events.filter((job) => job.name === 'market.settled')).toHaveLength(2);
      },
      { timeout: 20_000, interval: 200 },
    );

    for (const job of events) {
      expectValidPayload(validators, QUEUE_NAMES.marketEvents, job.name, job.data);
      expect(job.name).toBe(job.data.type);
      expect(job.id).toBe(job.data.eventId);
      expect(job.opts).toMatchObject(jobOptionsOf(QUEUE_NAMES.marketEvents));
    }
    expect(new Set(events.map((job) => job.name))).toEqual(new Set(EVENT_TYPES));
    // Both shapes of market.updated, both sides of a trade, a settlement without outcome.
    const data = (name: string) => events.filter((j) => j.name === name).map((j) => j.data.data);
    expect(data('market.updated')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ changed: ['name'] }),
        expect.objectContaining({ deleted: true }),
      ]),
    );
    expect(new Set(data('trade.executed').map((d) => d.side))).toEqual(new Set(['buy', 'sell']));
    expect(data('market.settled')).toEqual(
      expect.arrayContaining([expect.objectContaining({ status: 'cancelled', outcome: null })]),
    );
  });

  it('settlement: the settle job added by a resolution', async () => {
    const market = await createMarket(t, creator);
    const res = await resolve(market.id, 'NO');
    expect(res.statusCode).toBe(202);
    const job = await queues[QUEUE_NAMES.settlement].getJob(res.json().data.jobId);
    expect(job).toBeDefined();
    expect(job!.name).toBe('settle');
    expect(job!.id).toBe(`settle-${market.id}`);
    expectValidPayload(validators, QUEUE_NAMES.settlement, job!.name, job!.data);
    expect(job!.opts).toMatchObject(jobOptionsOf(QUEUE_NAMES.settlement));
  });

  it('search-index: market.embed from a new market, market.reindex-all from the admin API', async () => {
    const market = await createMarket(t, creator, { name: 'Will bitcoin close above 100k?' });
    let embed: Job | undefined;
    await vi.waitFor(
      async () => {
        embed = (await jobsOf(QUEUE_NAMES.searchIndex)).find(
          (job) => job.name === 'market.embed' && job.data.marketId === market.id,
        );
        expect(embed).toBeDefined();
      },
      { timeout: 10_000, interval: 100 },
    );
    expectValidPayload(validators, QUEUE_NAMES.searchIndex, embed!.name, embed!.data);
    expect(embed!.opts).toMatchObject(jobOptionsOf(QUEUE_NAMES.searchIndex));

    const res = await t.request({
      method: 'POST',
      url: '/api/search/reindex',
      headers: admin.auth,
    });
    expect(res.statusCode).toBe(202);
    const reindex = await queues[QUEUE_NAMES.searchIndex].getJob(res.json().data.jobId);
    expect(reindex!.name).toBe('market.reindex-all');
    expect(reindex!.data.requestedBy).toBe(admin.id);
    expectValidPayload(validators, QUEUE_NAMES.searchIndex, reindex!.name, reindex!.data);
    expect(reindex!.opts).toMatchObject(jobOptionsOf(QUEUE_NAMES.searchIndex));
  });
});

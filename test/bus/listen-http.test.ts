/**
 * The HTTP server of `listen`: intake and announcement counters in /metrics after real deliveries,
 * /ready following the broker connection, and the built CLI serving (or not, with --no-http).
 */
import { once } from 'node:events';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startListener } from '../../src/app/bus-service.js';
import { openRuntime } from '../../src/app/runtime.js';
import { paths } from '../../src/web/paths.js';
import { startWebServer } from '../../src/web/server.js';
import { runCli } from '../helpers/cli.js';
import { closeBrokerConnection, ensureRabbit } from '../helpers/rabbit.js';
import { killServing, startServing } from '../web/serve-process.js';
import { parseSamples, value } from '../web/prometheus-text.js';
import { ListenBus, officialBody, tempDir, until } from './bus-harness.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  await ensureRabbit();
});

afterEach(async () => {
  killServing();
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('listen with its HTTP server', () => {
  it('counts intake outcomes and announcements, and is unready while the broker connection is lost', async () => {
    const bus = new ListenBus();
    cleanup.push(() => bus.close());
    await bus.open();
    const runtime = await openRuntime({ stateDir: tempDir('listen-http') });
    cleanup.push(() => runtime.close());
    const connectionName = `fm-listen-http-${bus.id}`;
    const listener = await startListener(runtime, { bus: bus.config, announce: true, connectionName });
    cleanup.push(() => listener.stop());
    const server = await startWebServer(runtime, { host: '127.0.0.1', port: 0 }, { bus: listener.consumer });
    cleanup.push(() => server.close());
    const scrape = async () => parseSamples(await (await fetch(`${server.url}${paths.metrics}`)).text());

    await bus.publish(officialBody(31));
    await bus.publish('{"architecture": "x86_64", "compose_id": ');
    const announcement = await bus.nextAnnouncement(60_000);
    expect(announcement.body['status']).toBe('published');
    await until(
      async () => value(await scrape(), 'fedora_marketplace_announcements_total', { outcome: 'sent' }) === 1,
      10_000,
      'the announcement to be counted',
    );

    const samples = await scrape();
    expect(value(samples, 'fedora_marketplace_intake_messages_total', { outcome: 'accepted' })).toBe(1);
    expect(value(samples, 'fedora_marketplace_intake_messages_total', { outcome: 'rejected' })).toBe(1);
    expect(value(samples, 'fedora_marketplace_intake_messages_total', { outcome: 'skipped' })).toBe(0);
    expect(
      value(samples, 'fedora_marketplace_announcements_total', { status: 'published', outcome: 'sent' }),
    ).toBe(1);
    expect(value(samples, 'fedora_marketplace_announcements_total', { outcome: 'failed' })).toBe(0);
    expect(value(samples, 'fedora_marketplace_quarantined_messages')).toBe(1);
    expect(value(samples, 'fedora_marketplace_jobs', { state: 'published' })).toBe(1);
    expect(value(samples, 'fedora_marketplace_bus_connected')).toBe(1);

    const ready = await fetch(`${server.url}${paths.ready}`);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { store: { ok: true }, bus: { ok: true }, cloud: { ok: true } },
    });

    // The consumer waits at least 250 ms before reconnecting: long enough to ask while it is away.
    const disconnected = once(listener.consumer, 'disconnected');
    expect(await closeBrokerConnection(connectionName, 'readiness test')).toBe(1);
    await disconnected;
    const away = await fetch(`${server.url}${paths.ready}`);
    expect(away.status).toBe(503);
    expect(await away.json()).toMatchObject({
      status: 'unready',
      checks: { bus: { ok: false, reason: 'not connected to the message broker; reconnecting' } },
    });
    expect(value(await scrape(), 'fedora_marketplace_bus_connected')).toBe(0);

    await once(listener.consumer, 'connected');
    expect((await fetch(`${server.url}${paths.ready}`)).status).toBe(200);
  }, 120_000);

  it('serves from the built CLI on the address given, and not at all with --no-http', async () => {
    const bus = new ListenBus();
    cleanup.push(() => bus.close());
    await bus.open();
    const stateDir = tempDir('listen-http-cli');
    const config = bus.writeConfig(stateDir);

    const serving = await startServing(['listen', '--config', config, '--http', '127.0.0.1:0'], { stateDir });
    await until(
      async () => (await fetch(`${serving.url}${paths.ready}`)).status === 200,
      30_000,
      'listen to be ready',
    );
    expect(await (await fetch(`${serving.url}${paths.ready}`)).json()).toMatchObject({
      checks: { bus: { ok: true } },
    });
    const stopped = await serving.stop();
    expect(stopped.code, stopped.stderr).toBe(0);

    const quiet = startServing(['listen', '--config', config, '--no-http'], { stateDir }, 3_000);
    await expect(quiet).rejects.toThrow(/no "serving on" within 3000 ms/);
    killServing();

    const bad = await runCli(['listen', '--config', config, '--http', '127.0.0.1:99999'], { stateDir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('value: "127.0.0.1:99999"');
  }, 120_000);
});

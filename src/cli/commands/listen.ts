/**
 * `fedora-marketplace listen`: the service. Consumes Fedora's announcements from the bus, stores each
 * decision before acking it, runs the jobs in this process and announces each one that ends.
 *
 * Time: in the sandbox the pipeline keeps its virtual clock, which jumps to the next persisted wake-up
 * whenever every job waits (as `publish` does), so simulated 30-minute copies end at once while the
 * process stays up for new deliveries. With `cloud.adapter: aws` the system clock is used.
 */
import { redactUrl } from '../../core/redact.js';
import { busSettings, checkListenCloud, startListener, type Listener } from '../../app/bus-service.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';
import { startWebServer, type WebServer } from '../../web/server.js';
import { listenHttpAddress } from '../http-option.js';
import { untilStopSignal } from '../stop-signal.js';

interface ListenOptions extends CommonOptions {
  busConfig?: string;
  includePrerelease?: boolean;
  intakeOnly?: boolean;
  connectionName?: string;
  /** commander's `--no-announce`. */
  announce?: boolean;
  /** `--http ADDR:PORT`, or false for `--no-http`. */
  http?: string | false;
  sandbox?: boolean;
}

export async function run(options: ListenOptions): Promise<number> {
  const runtime = await openRuntime(options);
  try {
    checkListenCloud(runtime, options.sandbox === true);
    // A service logs what it does; -v adds debug detail.
    if (!options.verbose) runtime.logger.level = 'info';
    const { bus, clientProperties } = busSettings(runtime, options.busConfig);
    const announce = options.announce !== false && (runtime.config.bus?.announce ?? true);
    const address = listenHttpAddress(options.http, runtime.config);
    // Up before the first connection, so /live answers and /ready says why while the broker is away.
    let listener: Listener | undefined;
    const server: WebServer | undefined = address
      ? await startWebServer(runtime, address, {
          bus: {
            get connected() {
              return listener?.consumer.connected ?? false;
            },
          },
        })
      : undefined;
    if (server) runtime.logger.info({ url: server.url }, 'serving');
    try {
      const running = await startListener(runtime, {
        bus,
        announce,
        ...(options.includePrerelease ? { includePrerelease: true } : {}),
        ...(options.intakeOnly ? { intakeOnly: true } : {}),
        ...(options.connectionName ? { connectionName: options.connectionName } : {}),
        ...(clientProperties ? { clientProperties } : {}),
      });
      listener = running;
      runtime.logger.info(
        {
          url: redactUrl(bus.url),
          exchange: bus.exchange,
          queue: running.consumer.queue,
          routingKeys: bus.routingKeys,
          prefetch: bus.prefetch,
          announce,
          intakeOnly: options.intakeOnly === true,
        },
        'listening',
      );
      if (!options.json)
        process.stdout.write(
          `listening on ${redactUrl(bus.url)} queue ${running.consumer.queue}${server ? `, serving on ${server.url}` : ''}; stop with Ctrl-C or SIGTERM\n`,
        );

      const signal = await untilStopSignal();
      runtime.logger.info({ signal }, 'stopping');
      await running.stop();
      const summary = { stopped: signal, queue: running.consumer.queue, intake: running.counts };
      runtime.logger.info(summary, 'stopped');
      if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
      else
        process.stdout.write(
          `stopped (${signal}): ${Object.entries(running.counts)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}\n`,
        );
      return 0;
    } finally {
      await server?.close();
    }
  } finally {
    await runtime.close();
  }
}

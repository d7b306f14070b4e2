/**
 * `fedora-marketplace listen`: the service. Consumes Fedora's announcements from the bus, stores each
 * decision before acking it, runs the jobs in this process and announces each one that ends.
 *
 * Time: in the sandbox the pipeline keeps its virtual clock, which jumps to the next persisted wake-up
 * whenever every job waits (as `publish` does), so simulated 30-minute copies end at once while the
 * process stays up for new deliveries. With `cloud.adapter: aws` the system clock is used.
 */
import { redactUrl } from '../../core/redact.js';
import { busSettings, startListener } from '../../app/bus-service.js';
import { openRuntime, type CommonOptions } from '../../app/runtime.js';

interface ListenOptions extends CommonOptions {
  busConfig?: string;
  includePrerelease?: boolean;
  intakeOnly?: boolean;
  connectionName?: string;
  /** commander's `--no-announce`. */
  announce?: boolean;
}

export async function run(options: ListenOptions): Promise<number> {
  const runtime = await openRuntime(options);
  try {
    // A service logs what it does; -v adds debug detail.
    if (!options.verbose) runtime.logger.level = 'info';
    const { bus, clientProperties } = busSettings(runtime, options.busConfig);
    const announce = options.announce !== false && (runtime.config.bus?.announce ?? true);
    const listener = await startListener(runtime, {
      bus,
      announce,
      ...(options.includePrerelease ? { includePrerelease: true } : {}),
      ...(options.intakeOnly ? { intakeOnly: true } : {}),
      ...(options.connectionName ? { connectionName: options.connectionName } : {}),
      ...(clientProperties ? { clientProperties } : {}),
    });
    runtime.logger.info(
      {
        url: redactUrl(bus.url),
        exchange: bus.exchange,
        queue: listener.consumer.queue,
        routingKeys: bus.routingKeys,
        prefetch: bus.prefetch,
        announce,
        intakeOnly: options.intakeOnly === true,
      },
      'listening',
    );
    if (!options.json)
      process.stdout.write(
        `listening on ${redactUrl(bus.url)} queue ${listener.consumer.queue}; stop with Ctrl-C or SIGTERM\n`,
      );

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    runtime.logger.info({ signal }, 'stopping');
    await listener.stop();
    const summary = { stopped: signal, queue: listener.consumer.queue, intake: listener.counts };
    runtime.logger.info(summary, 'stopped');
    if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else
      process.stdout.write(
        `stopped (${signal}): ${Object.entries(listener.counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}\n`,
      );
    return 0;
  } finally {
    await runtime.close();
  }
}

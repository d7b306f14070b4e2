/**
 * `fedora-marketplace serve`: the HTTP server alone (health, metrics, API, dashboard) over a store that
 * workers elsewhere fill, or that an earlier `publish` left. Consumes nothing and runs no job.
 */
import { startWebServer } from '../../web/server.js';
import { listenAddress } from '../http-option.js';
import { openStoreView, type CommonOptions } from '../../app/runtime.js';
import { untilStopSignal } from '../stop-signal.js';

interface ServeOptions extends CommonOptions {
  http?: string;
}

export async function run(options: ServeOptions): Promise<number> {
  const view = await openStoreView(options);
  try {
    if (!options.verbose) view.logger.level = 'info';
    // `http.enabled: false` only concerns listen: serving is all serve does.
    const server = await startWebServer(view, listenAddress(options.http ?? view.config.http.listen));
    view.logger.info({ url: server.url }, 'serving');
    if (options.json) process.stdout.write(`${JSON.stringify({ serving: server.url })}\n`);
    else process.stdout.write(`serving on ${server.url}; stop with Ctrl-C or SIGTERM\n`);
    const signal = await untilStopSignal();
    view.logger.info({ signal }, 'stopping');
    await server.close();
    return 0;
  } finally {
    await view.close();
  }
}

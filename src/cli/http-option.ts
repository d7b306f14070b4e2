/** `--http ADDR:PORT` / `--no-http` of `listen` and `serve`, over the configuration's `http:` section. */
import type { Config } from '../config/schema.js';
import { listenAddressRule, parseListenAddress, type ListenAddress } from '../config/http-address.js';
import { UsageError } from '../core/errors.js';

export function listenAddress(text: string): ListenAddress {
  const address = parseListenAddress(text);
  if (!address) {
    throw new UsageError(`--http ${text} is not an address to listen on`, {
      field: '--http',
      value: text,
      rule: listenAddressRule,
    });
  }
  return address;
}

/** Where `listen` serves, or undefined when the server is turned off (`--no-http`, `http.enabled: false`). */
export function listenHttpAddress(
  option: string | boolean | undefined,
  config: Pick<Config, 'http'>,
): ListenAddress | undefined {
  if (option === false || (option === undefined && !config.http.enabled)) return undefined;
  return listenAddress(typeof option === 'string' ? option : config.http.listen);
}

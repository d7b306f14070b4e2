/**
 * Where the HTTP server of `listen` and `serve` listens. Kept apart from the zod schema: the CLI's entry
 * point shows the default in `--help` without loading zod.
 */
export const defaultHttpHost = '127.0.0.1';
export const defaultHttpPort = 8080;
/** Loopback only by default: a container passes `--http 0.0.0.0:8080` (deploy/openshift). */
export const defaultHttpAddress = `${defaultHttpHost}:${defaultHttpPort}`;

export interface ListenAddress {
  host: string;
  /** 0: any free port (tests). */
  port: number;
}

/** `ADDR:PORT`, with IPv6 addresses in brackets (`[::1]:8080`); undefined when it is not one. */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(text);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  return { host: (match[1] ?? match[2]) as string, port };
}

export const listenAddressRule = 'must be ADDR:PORT, e.g. 127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080';

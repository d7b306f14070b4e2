/**
 * A test hook for crash safety, in the simulation only: the process kills itself (SIGKILL, nothing
 * cleaned up) right after a chosen simulated API call took effect and before its answer reaches the
 * caller. That is where a crash hurts most: AWS has done the work and the tool has not recorded it. The
 * point is a count of calls, not a time, so a crash test lands exactly where it means to.
 */
import { ConfigError } from '../../core/errors.js';
import type { PartitionClients } from '../ports.js';

export interface CrashPoint {
  /** `<port>.<method>` as in PartitionClients, e.g. `ec2.copyImage`; absent: any call. */
  call?: string;
  /** Crash after this many matching calls (1: the first). */
  count: number;
}

/** `17` (the 17th call of any kind) or `ec2.copyImage:2` (the second CopyImage). */
export function parseCrashPoint(text: string, field: string): CrashPoint {
  const match = /^(?:(\w+\.\w+):)?(\d+)$/.exec(text.trim());
  const count = Number(match?.[2]);
  if (!match || count < 1) {
    throw new ConfigError('The crash point of the simulated cloud is malformed', [
      {
        field,
        value: text,
        rule: 'a call count (17) or a port method and count (ec2.copyImage:2), counting from 1',
        hint: `unset ${field}, or set it to e.g. catalog.startChangeSet:1`,
      },
    ]);
  }
  return { ...(match[1] ? { call: match[1] } : {}), count };
}

/** The same clients, except that the process dies right after the call `point` names. */
export function crashingClients(clients: PartitionClients, point: CrashPoint, seen: { calls: number }) {
  const ports = ['ec2', 'catalog', 'ssm', 'internalSts', 'sellerSts'] as const;
  const wrapped = { ...clients };
  for (const port of ports) {
    wrapped[port] = new Proxy(clients[port], {
      get(target, method, receiver) {
        const value: unknown = Reflect.get(target, method, receiver);
        if (typeof value !== 'function' || typeof method !== 'string') return value;
        const name = `${port.endsWith('Sts') ? 'sts' : port}.${method}`;
        return async (...args: unknown[]) => {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (point.call === undefined || point.call === name) {
            seen.calls += 1;
            if (seen.calls === point.count) process.kill(process.pid, 'SIGKILL');
          }
          return result;
        };
      },
    }) as never;
  }
  return wrapped;
}

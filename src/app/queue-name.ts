/**
 * The queue `listen` consumes when the configuration names none. A fresh name per start would leave what
 * arrived while the service was down in the old queue forever (and old queues piling up on the broker),
 * so the name is made once, a UUID as Fedora's broker requires, and kept in the state directory.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../core/errors.js';
import { asStateError } from '../core/state-errors.js';

export const queueNameFile = 'bus-queue-name';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The configured name, else the one kept in `stateDir` (made on first use). */
export function stableQueueName(configured: string | undefined, stateDir: string): string {
  if (configured) return configured;
  const file = join(stateDir, queueNameFile);
  try {
    // `wx`: of two services starting at once on one state directory, one writes and both read it.
    writeFileSync(file, `${randomUUID()}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw asStateError(error, file);
  }
  let name: string;
  try {
    name = readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw asStateError(error, file);
  }
  if (!uuid.test(name)) {
    throw new StateError('corrupt', `${file} does not hold a queue name`, {
      field: file,
      value: name,
      rule: 'holds the UUID of the queue listen consumes when bus.queue.name is not set',
      hint: `delete ${file} (a new queue is declared; messages left in the old one are not read) or set bus.queue.name`,
    });
  }
  return name;
}

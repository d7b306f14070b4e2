import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import amqp from 'amqplib';

const run = promisify(execFile);

/** The broker every bus test uses (DESIGN "Real parts"); override with RABBIT_URL. */
export const rabbitUrl = process.env.RABBIT_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

async function reachable(): Promise<boolean> {
  try {
    const connection = await amqp.connect(rabbitUrl);
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Makes sure RabbitMQ answers, starting it when it does not, and throws when it still is not up after
 * `timeoutMs`: broker tests must fail, never silently skip, without a broker.
 */
export async function ensureRabbit(timeoutMs = 60_000): Promise<void> {
  if (await reachable()) return;
  await run('rabbitmq-server', ['-detached']).catch(() => {
    // Already starting, or not installed: the wait below decides.
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await reachable()) return;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  throw new Error(
    `RabbitMQ is not reachable at ${rabbitUrl.replace(/:[^:@/]*@/, ':***@')} after ${timeoutMs} ms`,
  );
}

/**
 * Broker-side pids of the connections whose client set `connection_name` to `clientName`. The text
 * output is parsed because close_connection wants the `<rabbit@host.N.N.N>` pid form, which the JSON
 * formatter prints differently.
 */
export async function brokerConnectionPids(clientName: string): Promise<string[]> {
  const { stdout } = await run('rabbitmqctl', [
    '-q',
    '--no-table-headers',
    'list_connections',
    'pid',
    'client_properties',
  ]);
  const marker = `{"connection_name","${clientName}"}`;
  return stdout
    .split('\n')
    .filter((line) => line.includes(marker))
    .map((line) => line.split('\t')[0] ?? '');
}

/** Closes, from the broker side, every connection named `clientName` (as an operator or a failover would). */
export async function closeBrokerConnection(clientName: string, reason = 'test'): Promise<number> {
  const pids = await brokerConnectionPids(clientName);
  for (const pid of pids) await run('rabbitmqctl', ['-q', 'close_connection', pid, reason]);
  return pids.length;
}

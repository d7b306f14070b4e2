/** Reading message files in tests: the messages of a file, or the first reason one cannot be read. */
import { readMessages, type FedoraMessage, type ParseOptions } from '../../src/intake/envelope.js';

export function messagesOf(
  text: string | Uint8Array,
  opts: ParseOptions & { dump?: boolean } = {},
): FedoraMessage[] {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return readMessages(bytes, opts).map((arrival) => {
    if (arrival.kind === 'unreadable') throw arrival.error;
    return arrival.message;
  });
}

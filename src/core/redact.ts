/**
 * A connection URL (AMQP, PostgreSQL, an endpoint) with its password replaced, safe for logs and error
 * messages (DESIGN invariant 6).
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

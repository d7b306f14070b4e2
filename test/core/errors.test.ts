import { describe, expect, it } from 'vitest';
import { CloudError, ExitCode, InputError, InternalError } from '../../src/core/errors.js';

describe('InputError', () => {
  it('carries no stack frames, and leaves the stack trace limit as it found it', () => {
    const limit = Error.stackTraceLimit;
    const error = new InputError('message 7: malformed JSON', { field: 'body', rule: 'must be JSON' });
    expect(error.stack).toBe('InputError: message 7: malformed JSON');
    expect(Error.stackTraceLimit).toBe(limit);
    expect(error).toBeInstanceOf(InputError);
    expect(error.exitCode).toBe(ExitCode.badInput);
    expect(error.describe()).toBe('message 7: malformed JSON; field: body; rule: must be JSON.');
  });

  it('keeps the limit even when building the error throws', () => {
    const limit = Error.stackTraceLimit;
    const hostile = {
      get cause(): never {
        throw new Error('cause getter');
      },
    };
    expect(() => new InputError('x', {}, hostile)).toThrow('cause getter');
    expect(Error.stackTraceLimit).toBe(limit);
  });

  it('leaves the stacks of errors about the code alone', () => {
    expect(new InternalError('bug').stack).toMatch(/\n\s+at /);
    expect(
      new CloudError({
        kind: 'throttling',
        awsCode: 'Throttling',
        service: 'ec2',
        operation: 'CopyImage',
        message: 'slow down',
      }).stack,
    ).toMatch(/\n\s+at /);
  });
});

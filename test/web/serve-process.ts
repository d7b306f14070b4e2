/** `serve` (and `listen`) as users run them: the built CLI as a child process, found at the URL it prints. */
import type { ChildProcess } from 'node:child_process';
import { collect, spawnCli, type CliOptions, type CliResult } from '../helpers/cli.js';

export interface ServingProcess {
  url: string;
  child: ChildProcess;
  output(): { stdout: string; stderr: string };
  /** SIGTERM, then the exit. */
  stop(): Promise<CliResult>;
}

const running = new Set<ChildProcess>();

/** Starts the command and resolves once it printed `serving on URL` (it must serve on 127.0.0.1:0). */
export async function startServing(
  args: string[],
  options: CliOptions,
  timeoutMs = 30_000,
): Promise<ServingProcess> {
  const child = spawnCli(args, options);
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const result = collect(child);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "serving on" within ${timeoutMs} ms\n${stdout}\n${stderr}`)),
      timeoutMs,
    );
    const look = () => {
      const match = /serving on (http:\/\/[^\s;,]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on('data', look);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited ${code} before serving\n${stdout}\n${stderr}`));
    });
  });
  return {
    url,
    child,
    output: () => ({ stdout, stderr }),
    async stop() {
      child.kill('SIGTERM');
      const done = await result;
      running.delete(child);
      return done;
    },
  };
}

/** Kills whatever a failed test left running. */
export function killServing(): void {
  for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
  running.clear();
}

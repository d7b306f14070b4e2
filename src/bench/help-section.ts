/** Start-up cost of the CLI: `fedora-marketplace --help` against a bare `node -e 0`. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from './section.js';
import { median, round } from './stats.js';

export const helpRuns = 15;

/** Wall milliseconds of one child process run to completion; throws when it fails. */
function timeSpawn(args: string[]): number {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = performance.now() - started;
  if (child.status !== 0) {
    throw new Error(
      `node ${args.join(' ')} exited with ${child.status}: ${child.stderr.toString().slice(0, 300)}`,
    );
  }
  return elapsed;
}

export const helpSection: BenchSection = {
  name: 'help',
  description: `fedora-marketplace --help vs node -e 0, medians of ${helpRuns} interleaved runs`,
  async run() {
    // The built CLI beside this module (dist/bench -> dist/cli).
    const cli = fileURLToPath(new URL('../cli/main.js', import.meta.url));
    const help = [cli, '--help'];
    const bare = ['-e', '0'];
    // One unmeasured run each fills the file cache.
    timeSpawn(help);
    timeSpawn(bare);
    const helpMs: number[] = [];
    const bareMs: number[] = [];
    // Interleaved, so a burst of machine load hits both series alike.
    for (let i = 0; i < helpRuns; i++) {
      helpMs.push(timeSpawn(help));
      bareMs.push(timeSpawn(bare));
    }
    const helpMedian = median(helpMs);
    const bareMedian = median(bareMs);
    return {
      rows: [
        { label: '--help median', value: helpMedian, unit: 'ms' },
        { label: 'node -e 0 median', value: bareMedian, unit: 'ms' },
        { label: '--help / node -e 0', value: helpMedian / bareMedian, unit: 'x', target: { max: 3 } },
      ],
      details: { runs: helpRuns, helpMs: helpMs.map((v) => round(v)), bareMs: bareMs.map((v) => round(v)) },
    };
  },
};

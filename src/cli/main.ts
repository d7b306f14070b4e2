#!/usr/bin/env node
/**
 * The `fedora-marketplace` executable. Only commander is loaded up front; each command's module (and
 * with it zod, the AWS SDK, SQLite...) is imported when that command runs, so `--help` stays fast.
 */
import { Command, Option } from 'commander';
import { defaultHttpAddress } from '../config/http-address.js';
import { runCommand } from './run-command.js';

const program = new Command('fedora-marketplace')
  .description('List every official Fedora Cloud image in the AWS Marketplace, automatically.')
  .version('0.1.0')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `
With no --config, the embedded sandbox runs: a simulated AWS kept beside the job store (no AWS account,
no broker). State lives in --state-dir, else $FEDORA_MARKETPLACE_STATE_DIR, else ./.fedora-marketplace.

Exit codes: 0 ok (policy skips included), 1 internal error, 2 usage, 3 bad input, 4 configuration,
5 a job failed, 6 jobs still waiting (--detach), 7 AWS error, 8 state directory unusable.`,
  );

/** Options every command accepts. */
function common(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'configuration file (YAML); default: the embedded sandbox')
    .option('--state-dir <dir>', 'where jobs, exports and the sandbox cloud are kept')
    .option('--json', 'print one JSON document on stdout')
    .option('-v, --verbose', 'structured logs (JSON) on stderr at debug level');
}

common(
  program
    .command('publish')
    .description(
      'publish official Fedora images: from fedora-messaging message files, or one image by AMI id',
    )
    .option(
      '-m, --message <file...>',
      'message file(s): serialized fedora-messaging JSON, a dump (one per line), or a bare body with --topic',
    )
    .option('--topic <topic>', 'topic of a bare message body')
    .option('--release <n>', 'Fedora release of --source-ami')
    .addOption(
      new Option('--arch <arch>', 'architecture of --source-ami').choices(['x86_64', 'aarch64', 'arm64']),
    )
    .option('--source-ami <id>', "Fedora's AMI id (looked up with the owner pinned to fedora.ownerAccount)")
    .option('--source-region <region>', 'region of --source-ami (default fedora.sourceRegion)')
    .option('--subvariant <name>', 'subvariant of --source-ami', 'Cloud_Base')
    .option('--compose-id <id>', 'compose id of --source-ami (default: derived from its name)')
    .option('--image-name <name>', 'sandbox only: name of the Fedora image to seed for --source-ami')
    .option('--include-prerelease', 'also list Beta/RC (Prerelease) images')
    .option('--detach', 'return once nothing is due now; waits stay stored for `resume`'),
).action((opts) => runCommand(() => import('./commands/publish.js'), opts));

common(
  program
    .command('status')
    .description('show jobs: their stage, what they wait for, their listing and change set')
    .argument('[job...]', 'job ids (default: all)')
    .option('--events', 'include each job’s history')
    .option('--quarantine', 'show rejected (invalid) input instead of jobs'),
).action((jobs, opts) => runCommand(() => import('./commands/status.js'), { ...opts, jobs }));

common(
  program
    .command('resume')
    .description('continue every unfinished job (after a crash, a restart or --detach)')
    .option('--retry-failed', 'also start failed jobs again from the stage they failed in')
    .option('--detach', 'return once nothing is due now'),
).action((opts) => runCommand(() => import('./commands/resume.js'), opts));

common(
  program
    .command('listen')
    .description(
      'run as a service: consume Fedora’s announcements from the message bus, publish, announce results',
    )
    .option(
      '--bus-config <file>',
      'fedora-messaging TOML (amqp_url, [tls], [[bindings]], [queues], [qos]) instead of the bus: section',
    )
    .option('--include-prerelease', 'also list Beta/RC (Prerelease) images')
    .option('--intake-only', 'store intake decisions (jobs, skips, quarantine) without running the jobs')
    .option('--connection-name <name>', 'AMQP connection name shown by the broker')
    .option('--no-announce', 'do not publish announcements when jobs end')
    .option(
      '--http <address>',
      `serve health, metrics, the API and the dashboard on ADDR:PORT (default http.listen, ${defaultHttpAddress})`,
    )
    .option('--no-http', 'run without the HTTP server')
    .option(
      '--sandbox',
      'run on the simulated cloud on purpose (needed unless the configuration file says cloud.adapter: sim)',
    ),
).action((opts) => runCommand(() => import('./commands/listen.js'), opts));

common(
  program
    .command('serve')
    .description(
      'serve health, metrics, the JSON API and the dashboard over the store, without consuming or running jobs',
    )
    .option('--http <address>', `ADDR:PORT to listen on (default http.listen, ${defaultHttpAddress})`),
).action((opts) => runCommand(() => import('./commands/serve.js'), opts));

common(
  program
    .command('replay')
    .description(
      'feed a fedora-messaging dump (one JSON message per line) through the listen intake, then run the jobs',
    )
    .argument('<file>', 'dump file')
    .option('--include-prerelease', 'also list Beta/RC (Prerelease) images')
    .option('--detach', 'return once nothing is due now; waits stay stored for `resume`'),
).action((file, opts) => runCommand(() => import('./commands/replay.js'), { ...opts, file }));

common(
  program
    .command('load-form')
    .description('write the product load form (XLSX, CSV, JSON) for one release or every current one')
    .option('--release <n>', 'only this Fedora release (default: every release not past its end of life)')
    .option('--out <dir>', 'output folder (default: <state dir>/load-forms)'),
).action((opts) => runCommand(() => import('./commands/load-form.js'), opts));

common(
  program
    .command('plan')
    .description('show, per product, what apply would change on the Marketplace (nothing is changed)'),
).action((opts) => runCommand(() => import('./commands/plan.js'), opts));

common(
  program
    .command('apply')
    .description(
      'bring every product in line: minimal change sets, retirement, EC2 deprecation of retired AMIs',
    )
    .option('--validate-first', 'run each change set with Intent VALIDATE first')
    .option('--detach', 'start the change sets and return without following them'),
).action((opts) => runCommand(() => import('./commands/apply.js'), opts));

common(
  program
    .command('cleanup')
    .description(
      'delete mirrored AMIs and snapshots that no live version uses, after a grace period (dry run unless --yes)',
    )
    .option('--grace-days <n>', 'days an image must have been retired (deprecated) or unused', '30')
    .option('--yes', 'really deregister the images and delete their snapshots'),
).action((opts) => runCommand(() => import('./commands/cleanup.js'), opts));

const config = program.command('config').description('configuration helpers');
common(
  config
    .command('validate')
    .description('validate a configuration file (default: the embedded sandbox configuration)')
    .argument('[file]', 'YAML configuration file'),
).action((file, opts) => runCommand(() => import('./commands/config-validate.js'), { ...opts, file }));

const sandbox = program.command('sandbox').description('the simulated AWS behind the embedded default');
common(sandbox.command('state').description('print the simulated cloud: images and change sets')).action(
  (opts) => runCommand(() => import('./commands/sandbox-state.js'), opts),
);
common(
  sandbox
    .command('serve')
    .description('serve the simulated Marketplace Catalog API (REST-JSON) on 127.0.0.1 until SIGINT/SIGTERM')
    .option('--port <n>', 'TCP port (0: any free port)', '5070')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option(
      '--ec2-endpoint <url>',
      'check ingestion rules against this EC2 endpoint (e.g. moto) instead of the simulated EC2',
    )
    .option(
      '--events-to <url>',
      "put the simulated AWS's change-set events on this EventBridge endpoint (moto), in events.region",
    ),
).action((opts) => runCommand(() => import('./commands/sandbox-serve.js'), opts));

common(
  program
    .command('iam-policy')
    .description(
      'print least-privilege IAM policies: internal account, seller account, Marketplace access role',
    )
    .addOption(
      new Option('--partition <partition>', 'AWS partition of the ARNs')
        .choices(['aws', 'aws-us-gov', 'aws-cn'])
        .default('aws'),
    ),
).action((opts) => runCommand(() => import('./commands/iam-policy.js'), opts));

common(
  program
    .command('doctor')
    .description(
      'check accounts, regions, the access role, Catalog API reachability and configured products',
    ),
).action((opts) => runCommand(() => import('./commands/doctor.js'), opts));

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`fedora-marketplace: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 2;
});

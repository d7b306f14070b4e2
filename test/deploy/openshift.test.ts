/**
 * What can be checked of the deployment without building the image or a cluster: the manifests parse,
 * every key the Deployment mounts exists, ports and probe paths are the program's own defaults (taken
 * from the source, not repeated here), the alert rules use metrics /metrics exports, and the
 * Containerfile starts a command the CLI has.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pino } from 'pino';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stateDirVariable } from '../../src/app/runtime.js';
import { createTelemetry } from '../../src/app/telemetry.js';
import { defaultHttpPort } from '../../src/config/http-address.js';
import { httpDefaults } from '../../src/config/http-schema.js';
import { parseConfig } from '../../src/config/load.js';
import { systemClock } from '../../src/core/clock.js';
import { loadFedoraMessagingConfig } from '../../src/intake/fedora-messaging-config.js';
import { openStore } from '../../src/store/open-store.js';
import { paths } from '../../src/web/paths.js';
import { createWebServer } from '../../src/web/server.js';
import { repoRoot, runCli } from '../helpers/cli.js';
import { families } from '../web/prometheus-text.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- Kubernetes manifests are read as plain YAML data */
type Manifest = Record<string, any>;

const deployDir = join(repoRoot, 'deploy', 'openshift');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return name.endsWith('.yaml') ? [path] : [];
  });
}

const manifests: Array<{ file: string; doc: Manifest }> = [];
for (const file of yamlFiles(deployDir)) {
  for (const document of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (document.errors.length > 0)
      throw new Error(`${file}: ${document.errors.map((e) => e.message).join('; ')}`);
    manifests.push({ file, doc: document.toJS() as Manifest });
  }
}

function find(kind: string, name?: string): Manifest {
  const found = manifests.filter(
    (m) => m.doc['kind'] === kind && (name === undefined || m.doc['metadata']?.name === name),
  );
  expect(found, `${kind} ${name ?? ''} in deploy/openshift`).toHaveLength(1);
  return found[0]!.doc;
}

const deployment = find('Deployment');
const pod = deployment['spec'].template.spec;
const container = pod.containers[0];

/** The value that follows `flag` in an argument list. */
function argument(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

function volumeMount(volumeName: string): string {
  const mount = container.volumeMounts.find((m: Manifest) => m['name'] === volumeName);
  expect(mount, `a mount of volume ${volumeName}`).toBeDefined();
  return mount.mountPath as string;
}

describe('deploy/openshift', () => {
  it('holds parseable manifests, each naming its kind', () => {
    expect(manifests.map((m) => m.doc['kind']).sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'PersistentVolumeClaim',
        'PrometheusRule',
        'Secret',
        'Secret',
        'Service',
        'ServiceMonitor',
      ].sort(),
    );
    for (const { file, doc } of manifests) {
      expect(doc['apiVersion'], file).toMatch(/^(v1|apps\/v1|monitoring\.coreos\.com\/v1)$/);
      expect(doc['metadata']?.name, file).toMatch(/^[a-z0-9-]+$/);
    }
  });

  it('runs one replica, replaced with Recreate, as a non-root user', () => {
    expect(deployment['spec'].replicas).toBe(1);
    expect(deployment['spec'].strategy).toEqual({ type: 'Recreate' });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.containers).toHaveLength(1);
  });

  it("serves on the program's default port and probes its /live and /ready", () => {
    const port = container.ports.find((p: Manifest) => p['name'] === 'http');
    expect(port.containerPort).toBe(defaultHttpPort);
    expect(argument(container.args, '--http')).toBe(`0.0.0.0:${defaultHttpPort}`);
    for (const probe of ['startupProbe', 'livenessProbe']) {
      expect(container[probe].httpGet).toEqual({ path: paths.live, port: 'http' });
    }
    expect(container.readinessProbe.httpGet).toEqual({ path: paths.ready, port: 'http' });
  });

  it('mounts only keys that its ConfigMap and Secrets define, and volumes that exist', () => {
    const volumes = new Map<string, Manifest>(pod.volumes.map((v: Manifest) => [v['name'], v]));
    for (const mount of container.volumeMounts) expect(volumes.has(mount.name), mount.name).toBe(true);
    for (const volume of volumes.values()) {
      if (volume['configMap']) {
        const data = find('ConfigMap', volume['configMap'].name)['data'];
        for (const item of volume['configMap'].items) expect(Object.keys(data)).toContain(item.key);
      }
      if (volume['secret']) {
        const secret = find('Secret', volume['secret'].secretName);
        for (const item of volume['secret'].items)
          expect(Object.keys(secret['stringData'])).toContain(item.key);
      }
      if (volume['persistentVolumeClaim'])
        find('PersistentVolumeClaim', volume['persistentVolumeClaim'].claimName);
      volumeMount(volume['name']);
    }
    for (const variable of container.env) {
      const ref = variable.valueFrom.secretKeyRef;
      expect(Object.keys(find('Secret', ref.name)['stringData'])).toContain(ref.key);
      expect(variable.name).toBe(ref.key);
    }
  });

  it('configures listen with the example configuration, which validates, and the TLS files the Secret mounts', () => {
    const data = find('ConfigMap', 'fedora-marketplace-config')['data'];
    expect(data['config.yaml']).toBe(readFileSync(join(repoRoot, 'examples', 'fedora.yaml'), 'utf8'));
    expect(data['fedora-messaging.toml']).toBe(
      readFileSync(join(repoRoot, 'examples', 'fedora-messaging.toml'), 'utf8'),
    );

    const configDir = volumeMount('config');
    expect(argument(container.args, '--config')).toBe(`${configDir}/config.yaml`);
    expect(argument(container.args, '--bus-config')).toBe(`${configDir}/fedora-messaging.toml`);
    expect(parseConfig(parse(data['config.yaml']), 'configmap config.yaml').cloud.adapter).toBe('aws');

    const dir = mkdtempSync(join(tmpdir(), 'fm-deploy-'));
    try {
      const toml = join(dir, 'fedora-messaging.toml');
      writeFileSync(toml, data['fedora-messaging.toml']);
      const bus = loadFedoraMessagingConfig(toml);
      const certs = volumeMount('amqp-certs');
      const secretKeys = Object.keys(find('Secret', 'fedora-messaging-certs')['stringData']);
      for (const file of [bus.tls?.caFile, bus.tls?.certFile, bus.tls?.keyFile]) {
        expect(file && dirname(file)).toBe(certs);
        expect(secretKeys).toContain(basename(file ?? ''));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exposes the container port through the Service, scraped at /metrics by the ServiceMonitor', () => {
    const service = find('Service');
    const port = service['spec'].ports[0];
    expect(port.targetPort).toBe('http');
    expect(port.port).toBe(defaultHttpPort);
    expect(service['spec'].selector).toEqual(deployment['spec'].template.metadata.labels);
    const monitor = find('ServiceMonitor');
    expect(monitor['spec'].endpoints).toEqual([
      expect.objectContaining({ port: port.name, path: paths.metrics }),
    ]);
    for (const [key, value] of Object.entries(monitor['spec'].selector.matchLabels))
      expect(service['metadata'].labels[key]).toBe(value);
  });
});

describe('the alert rules', () => {
  let exported: Map<string, string>;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fm-deploy-metrics-'));
    const store = await openStore({ driver: 'sqlite', stateDir: dir });
    const server = await createWebServer(
      {
        config: { http: httpDefaults },
        store,
        clock: systemClock,
        telemetry: createTelemetry(),
        logger: pino({ level: 'silent' }),
      },
      { bus: { connected: true } },
    );
    exported = families((await server.app.inject({ url: paths.metrics })).body);
    close = async () => {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
  });

  afterAll(async () => close?.());

  it('alert on failed jobs, a job stuck in a stage and quarantine growth, with metrics /metrics exports', () => {
    const rules = find('PrometheusRule')['spec'].groups.flatMap((g: Manifest) => g['rules']) as Manifest[];
    const exprs = new Map(rules.map((r) => [r['alert'] as string, String(r['expr'])]));
    expect(exprs.get('FedoraMarketplaceJobFailed')).toMatch(/fedora_marketplace_jobs\{state="failed"\}/);
    expect(exprs.get('FedoraMarketplaceJobStuck')).toMatch(/fedora_marketplace_oldest_job_age_seconds/);
    expect(exprs.get('FedoraMarketplaceQuarantineGrowing')).toMatch(
      /fedora_marketplace_quarantined_messages/,
    );
    const used = new Set(
      [...exprs.values()].flatMap((expr) => expr.match(/\bfedora_marketplace_\w+/g) ?? []),
    );
    expect(used.size).toBeGreaterThanOrEqual(4);
    for (const name of used) {
      const family = name.replace(/_(bucket|sum|count)$/, '');
      expect(exported.has(name) || exported.get(family) === 'histogram', `${name} in /metrics`).toBe(true);
    }
  });
});

describe('Containerfile', () => {
  const text = readFileSync(join(repoRoot, 'Containerfile'), 'utf8').replace(/\\\n/g, ' ');
  const instructions = text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.trim().split(/\s+/);
      return { keyword: keyword!.toUpperCase(), value: rest.join(' ') };
    });
  const last = (keyword: string) => instructions.filter((i) => i.keyword === keyword).at(-1)?.value ?? '';

  it('builds on Fedora images and runs as a non-root user with the state directory the Deployment mounts', () => {
    for (const from of instructions.filter((i) => i.keyword === 'FROM'))
      expect(from.value).toMatch(/^registry\.fedoraproject\.org\/fedora(-minimal)?:\d+/);
    expect(last('USER')).toMatch(/^[1-9]\d*$/);
    expect(last('EXPOSE')).toBe(String(defaultHttpPort));
    expect(last('ENV')).toContain(`${stateDirVariable}=${volumeMount('state')}`);
    expect(last('HEALTHCHECK')).toContain(`http://127.0.0.1:${defaultHttpPort}${paths.live}`);
  });

  it('starts `listen`, a command of the built CLI that accepts every option the image and Deployment pass', async () => {
    const entrypoint = JSON.parse(last('ENTRYPOINT')) as string[];
    const cmd = JSON.parse(last('CMD')) as string[];
    const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint[1]).toBe(`/app/${packageJson.bin['fedora-marketplace']}`);
    const command = entrypoint.slice(2);
    expect(command).toEqual(['listen']);
    const help = await runCli([...command, '--help'], { stateDir: null });
    expect(help.code, help.stderr).toBe(0);
    const options = [...cmd, ...container.args].filter((a: string) => a.startsWith('--'));
    expect(options.length).toBeGreaterThanOrEqual(3);
    for (const option of options) expect(help.stdout).toContain(`${option} `);
  });
});

import { composeDateOf } from '../../src/core/model/image-age.js';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import {
  imageValues,
  productPlaceholders,
  productValues,
  renderTemplate,
  subvariantKebab,
} from '../../src/listing/render.js';

const image = {
  release: 41,
  arch: 'arm64' as const,
  subvariant: 'Cloud_Base',
  label: '1.4',
  composeId: 'Fedora-41-20241027.0',
  imageName: 'Fedora-Cloud-Base-AmazonEC2.aarch64-41-1.4',
};

describe('renderTemplate', () => {
  it('replaces every placeholder', () => {
    const text = renderTemplate(
      '{release} {arch} {fedoraArch} {subvariant} {subvariantTitle} {label} {composeId} {imageName} {date}',
      imageValues(image),
      'f',
    );
    expect(text).toBe(
      '41 arm64 aarch64 Cloud_Base Cloud Base 1.4 Fedora-41-20241027.0 Fedora-Cloud-Base-AmazonEC2.aarch64-41-1.4 2024-10-27',
    );
  });

  it('leaves text without placeholders alone', () => {
    expect(renderTemplate('ssh fedora@<host> {} { x }', imageValues(image), 'f')).toBe(
      'ssh fedora@<host> {} { x }',
    );
  });

  it('names an unknown placeholder and the field', () => {
    try {
      renderTemplate('Fedora {relase}', imageValues(image), 'products.Cloud_Base.title');
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const ctx = (error as ConfigError).context;
      expect(ctx.field).toBe('products.Cloud_Base.title');
      expect(ctx.rule).toBe('unknown placeholder {relase}');
      expect(ctx.hint).toContain('{release}');
    }
  });

  it('refuses image placeholders in product-level text', () => {
    expect(() =>
      renderTemplate('Fedora {release} {label}', productValues(image), 'title', productPlaceholders),
    ).toThrow(ConfigError);
    try {
      renderTemplate('{label}', productValues(image), 'title', productPlaceholders);
    } catch (error) {
      expect((error as ConfigError).context.rule).toBe('unknown placeholder {label}');
    }
  });

  it('reports {date} when the compose carries no date', () => {
    const values = imageValues({ ...image, composeId: 'custom', label: '1.4' });
    expect(() => renderTemplate('{date}', values, 'releaseNotes')).toThrow(
      /needs a compose id or label that carries a date/,
    );
  });
});

describe('helpers', () => {
  it('derives the compose date from the compose id or an updates label', () => {
    expect(composeDateOf({ composeId: 'Fedora-41-20241027.0', label: '1.4' })).toBe('2024-10-27');
    expect(composeDateOf({ composeId: 'Fedora-Cloud-41-updates', label: '20250415.0' })).toBe('2025-04-15');
    expect(composeDateOf({ composeId: 'x', label: '1.4' })).toBeUndefined();
  });

  it('kebab-cases subvariants', () => {
    expect(subvariantKebab('Cloud_Base')).toBe('cloud-base');
    expect(subvariantKebab('Cloud_Base_UKI')).toBe('cloud-base-uki');
  });
});

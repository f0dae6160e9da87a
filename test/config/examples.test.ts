// The shipped examples must validate against the bundled catalog and schema: they are what
// users copy first.
import * as fs from 'fs';
import * as path from 'path';
import { bundledCatalog } from '../../src/catalog/catalog';
import { loadConfig } from '../../src/config/load';
import { renderValidateText } from '../../src/render/validate';
import { REPO_ROOT } from './helpers';

const EXAMPLES = ['examples/basic', 'examples/platform'].filter((p) => fs.existsSync(path.join(REPO_ROOT, p)));

describe('examples', () => {
  it.each(EXAMPLES.map((e) => [e]))('%s is valid', async (dir) => {
    // As `cvctl validate` loads them: the platform example passes its own policy.
    const r = await loadConfig([dir], { catalog: bundledCatalog(), cwd: REPO_ROOT, checkPolicy: true });
    expect(renderValidateText(r, { color: false })).toMatch(/^\d+ files? valid: /);
    expect(r.desired.providers.length).toBeGreaterThan(0);
    if (dir === 'examples/platform') expect(Object.keys(r.desired.policy ?? {}).sort()).toEqual([
      'allowedProviderKinds', 'allowedRegions', 'maxMonthlyCostIncrease', 'maxPricePerMTok', 'pos', 'requireFallback', 'requireGrantLimits',
    ]);
    for (const p of r.desired.providers) {
      expect(p.spec.pos.file.startsWith(dir + '/')).toBe(true);
      for (const c of Object.values(p.spec.credentials)) expect(c.pos.line).toBeGreaterThan(0);
    }
  });
});

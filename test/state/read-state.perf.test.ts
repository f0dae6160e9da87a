// Read-path timings at scale. Opt-in (slow to seed): CVCTL_BENCH=1 npx jest test/state/read-state.perf
// Prints ms per readState for each shape; asserts only the constant statement count and a
// generous ceiling so a pathological regression (per-row queries, quadratic mapping) fails.
import { readState } from '../../src/state/read-state';
import { freshDatabase, targets } from '../support/db';
import { seedBulk } from './seed';

const enabled = process.env.CVCTL_BENCH === '1';
const benchTargets = (process.env.CVCTL_BENCH_TARGETS?.split(',') ?? ['postgres']).filter((t) =>
  (targets as string[]).includes(t),
) as typeof targets;

const shapes = [
  { providers: 1_000, modelsPerProvider: 100, facades: 50 },
  { providers: 10_000, modelsPerProvider: 25, facades: 50 },
];

(enabled && benchTargets.length ? describe.each(benchTargets) : describe.skip.each(['postgres']))(
  'readState timing on %s',
  (target) => {
    test.each(shapes)('$providers providers x $modelsPerProvider models', async (shape) => {
      const fresh = await freshDatabase(target as (typeof targets)[number]);
      try {
        const { db } = fresh;
        const seedStart = Date.now();
        await seedBulk(db, shape);
        await db.query('analyze');
        const seedMs = Date.now() - seedStart;
        const times: number[] = [];
        let rows = 0;
        for (let i = 0; i < 4; i++) {
          const before = db.statementCount();
          const t = process.hrtime.bigint();
          const s = await readState(db);
          times.push(Number(process.hrtime.bigint() - t) / 1e6);
          expect(db.statementCount() - before).toBe(6);
          rows = s.providerModels.length;
          expect(s.providers).toHaveLength(shape.providers);
        }
        expect(rows).toBe(shape.providers * shape.modelsPerProvider);
        const warm = times.slice(1).sort((a, b) => a - b);
        const median = warm[Math.floor(warm.length / 2)];
        console.log(
          `[bench] ${target} ${shape.providers}x${shape.modelsPerProvider} (${rows} provider models): ` +
            `readState first ${times[0].toFixed(0)} ms, median warm ${median.toFixed(0)} ms (seed ${seedMs} ms)`,
        );
        expect(median).toBeLessThan(20_000);
      } finally {
        await fresh.cleanup();
      }
    }, 600_000);
  },
);

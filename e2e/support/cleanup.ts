/**
 * Everything a test starts or creates is registered here and undone in afterAll/afterEach,
 * also when the test failed: processes are stopped (SIGTERM, then SIGKILL), temp dirs removed.
 *
 *   const cleanup = new Cleanup();
 *   afterAll(() => cleanup.run());
 *   const dir = await cleanup.tempDir('multi');
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Step = () => Promise<unknown> | unknown;

export class Cleanup {
  private steps: Step[] = [];

  /** Register an undo step; steps run in reverse order of registration. */
  add(step: Step): void {
    this.steps.push(step);
  }

  /** A fresh directory under the OS temp dir (/tmp), removed by run() unless TESSERA_E2E_KEEP is set. */
  async tempDir(label: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), `tessera-e2e-${label.replace(/[^a-z0-9-]/gi, '_')}-`));
    this.add(async () => {
      if (process.env.TESSERA_E2E_KEEP) {
        process.stderr.write(`TESSERA_E2E_KEEP: leaving ${dir}\n`);
        return;
      }
      await rm(dir, { recursive: true, force: true });
    });
    return dir;
  }

  /** Undo everything; errors are collected and rethrown together after every step ran. */
  async run(): Promise<void> {
    const errors: unknown[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop();
      if (!step) continue;
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, 'cleanup failed');
  }
}

import { describe, expect, it } from 'vitest';
import type { CommandName } from '../../../shared/contract/index.js';
import type { Client } from './client.js';
import { runCommand, type CommandHost } from './commands.js';
import { CommandFailure } from './failure.js';

describe('runCommand', () => {
  it('refuses a name without a case (one the service should not have let through) instead of answering undefined', async () => {
    // The compiler checks every CommandName has a case; only a cast gets another name here.
    const call = runCommand({} as CommandHost, {} as Client, 'frobnicate' as CommandName, {});
    await expect(call).rejects.toBeInstanceOf(CommandFailure);
    await expect(call).rejects.toMatchObject({ code: 'invalid-payload', message: 'unknown command "frobnicate"' });
  });
});

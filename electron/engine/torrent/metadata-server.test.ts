import { describe, expect, it } from 'vitest';
import { METADATA_REJECT_BOUND, METADATA_SEND_BOUND, metadataReply } from './metadata-server.js';

describe('metadataReply', () => {
  const info = Buffer.alloc(40_000, 1);

  it('answers, then rejects, then stays silent as the peer falls behind', () => {
    expect(metadataReply(info, 0, 0)?.length).toBeGreaterThan(16 * 1024);
    expect(metadataReply(info, 0, METADATA_SEND_BOUND)?.length).toBeLessThan(100);
    expect(metadataReply(info, 0, METADATA_REJECT_BOUND)).toBeNull();
  });

  it("applies those bounds within the peer's part of the session-wide send total", () => {
    const share = 128 * 1024;
    expect(metadataReply(info, 0, share - 1, share)?.length).toBeGreaterThan(16 * 1024);
    expect(metadataReply(info, 0, share, share)?.length).toBeLessThan(100);
    expect(metadataReply(info, 0, share + 64 * 1024, share)).toBeNull();
  });
});

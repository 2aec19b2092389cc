/**
 * Unsent bytes from which a peer's requests that only cost us a reply (BEP 52 hash requests,
 * block requests we refuse) get no answer at all, not even a reject (as ut_metadata's
 * METADATA_REJECT_BOUND): a peer asking without reading would otherwise make us queue a reject
 * per request without end, each as large as the request. Just above the most an honest peer's
 * backlog holds (the upload send buffer, at most 8 MiB; hash requests are rejected from 4 MiB
 * on), so asking costs no more than downloading.
 */
export const REPLY_DROP_BOUND = 8 * 1024 * 1024 + 64 * 1024;

/** Replies may go this far past a peer's send share (its part of the session's; send-shares.ts). */
const REPLY_SLACK = 64 * 1024;

/**
 * Unsent bytes from which such requests get no reply, for a peer whose send share is `share`:
 * REPLY_DROP_BOUND, or less where the session's total is split among many peers — 8 MiB of
 * rejects for each of 50 peers that read nothing was 400 MiB.
 */
export function replyDropBound(share: number): number {
  return Math.min(REPLY_DROP_BOUND, share + REPLY_SLACK);
}

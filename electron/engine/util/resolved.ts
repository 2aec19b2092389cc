/**
 * A promise already fulfilled, shared by every field that starts as "nothing pending" (a chain
 * of saves, a stop in progress): each `Promise.resolve()` is an object of its own, and a
 * torrent has several such fields. Sharing it is safe: a settled promise never changes.
 */
export const RESOLVED: Promise<void> = Promise.resolve();

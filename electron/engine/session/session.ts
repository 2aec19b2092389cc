import type { EngineSession, SessionOptions } from '../api.js';

/** Placeholder until the session lands (being written now). */
export async function createSession(_options: SessionOptions): Promise<EngineSession> {
  throw new Error('Session not implemented yet');
}

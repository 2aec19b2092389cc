/**
 * How a command fails: a CommandFailure carries the contract's error code and one readable
 * line; anything else thrown while handling a command becomes 'internal'.
 */
import { ValidationError, type ErrorCode } from '../../../shared/contract/index.js';
import { errorLine } from '../../../shared/error-text.js';
import { TorrentInputError } from '../api.js';

export class CommandFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Anything thrown while handling a command, as a CommandFailure: validation → invalid-payload, the unexpected → internal. */
export function toFailure(err: unknown): CommandFailure {
  if (err instanceof CommandFailure) return err;
  if (err instanceof ValidationError) return new CommandFailure('invalid-payload', err.message);
  return new CommandFailure('internal', errorLine(err));
}

/** The engine's "these bytes or this magnet are not a torrent" error (the fake engine throws the same class). */
export function isTorrentInputError(err: unknown): boolean {
  return err instanceof TorrentInputError;
}

/**
 * What the Electron double (in the child running the built main process) and the harness (in
 * the Playwright test) say to each other over the child's IPC channel. Node's "advanced"
 * serialization carries them, the structured clone Electron's own IPC uses, so a payload
 * Electron could not send (a function, a class with private state) fails here too.
 */

/** A side effect the shell asked of Electron that the test may want to see (show, notify, …). */
export interface ShellCall {
  what: string;
  args: unknown[];
}

/** The window options the harness checks (the security-relevant webPreferences above all). */
export interface WindowOptions {
  show?: boolean;
  title?: string;
  webPreferences: Record<string, unknown>;
}

export type FromShell =
  /** An Electron API the double lacks, or one used against Electron's rules. Fails the test. */
  | { type: 'violation'; message: string; stack?: string }
  /** An error the shell would show or crash on (dialog.showErrorBox, uncaught, unhandled). Fails the test. */
  | { type: 'fatal'; message: string }
  /** An IPC or protocol handler threw. Fails the test. */
  | { type: 'handler-error'; where: string; message: string }
  | { type: 'call'; call: ShellCall }
  /** This instance did not get the single-instance lock; Electron hands its argv to the first one. */
  | { type: 'second-instance'; argv: string[]; cwd: string }
  | { type: 'ready' }
  | { type: 'window-created'; windowId: number; webContentsId: number; options: WindowOptions }
  | { type: 'load-url'; id: number; webContentsId: number; url: string }
  | { type: 'reload'; webContentsId: number }
  | { type: 'protocol-response'; id: number; status: number; headers: Array<[string, string]>; body: Uint8Array }
  | { type: 'protocol-failure'; id: number; message: string }
  | { type: 'invoke-reply'; id: number; ok: true; value: unknown }
  | { type: 'invoke-reply'; id: number; ok: false; message: string }
  | { type: 'navigate-reply'; id: number; prevented: boolean }
  | { type: 'window-open-reply'; id: number; action: 'allow' | 'deny' }
  | { type: 'permission-reply'; id: number; granted: boolean }
  | { type: 'send'; webContentsId: number; channel: string; args: unknown[] }
  | { type: 'dialog'; id: number; kind: 'open'; options: Record<string, unknown> };

export type ToShell =
  | { type: 'protocol-request'; id: number; url: string; method: string; headers: Array<[string, string]> }
  | { type: 'invoke'; id: number; webContentsId: number; channel: string; args: unknown[]; frame: { url: string; isMainFrame: boolean } }
  | { type: 'load-result'; id: number; ok: true }
  | { type: 'load-result'; id: number; ok: false; message: string }
  | { type: 'ready-to-show'; webContentsId: number }
  | { type: 'will-navigate'; id: number; webContentsId: number; url: string }
  /** window.open in the page: Electron asks the handler set with setWindowOpenHandler. */
  | { type: 'window-open'; id: number; webContentsId: number; url: string }
  | { type: 'permission'; id: number; permission: string }
  | { type: 'second-instance'; argv: string[]; cwd: string }
  | { type: 'open-file'; path: string }
  | { type: 'open-url'; url: string }
  | { type: 'menu-click'; path: string[] }
  | { type: 'dialog-result'; id: number; canceled: boolean; filePaths: string[] }
  | { type: 'quit' };

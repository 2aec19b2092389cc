import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

/** Last line of defence: a rendering bug shows a message and a reload button, not a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('Tessera UI error', error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="fatal" role="alert" data-testid="fatal-error">
        <h1>Something went wrong in Tessera's window</h1>
        <p className="mono selectable">{this.state.error.message}</p>
        <p>Your downloads keep running. Reload the window to continue.</p>
        <button type="button" className="btn btn--primary" onClick={() => location.reload()}>Reload</button>
      </div>
    );
  }
}

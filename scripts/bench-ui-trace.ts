/**
 * bench:ui --trace: what the page's main thread did in its long tasks, from a Chromium
 * performance trace (the DevTools timeline categories). A CPU profile sees JavaScript only;
 * style, layout, paint and the canvas' work show up here by name.
 */

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time; less than `dur` when the thread waited for a core. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: Record<string, unknown> };
}

/** The trace categories the summary reads (Playwright's browser.startTracing). */
export const TRACE_CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'disabled-by-default-devtools.timeline.frame',
  'blink',
  'cc',
  'v8',
  'toplevel',
];

/** A task on the renderer's main thread longer than this is a long task (as the Long Tasks API). */
const LONG_TASK_MS = 50;

interface Span {
  name: string;
  start: number;
  end: number;
  /** Thread time (µs), -1 when the event has none. */
  cpu: number;
  detail: string;
}

/**
 * Self time by event name inside the renderer main thread's long tasks, and the longest of
 * those tasks with their top names: one line per task, then the totals.
 */
export function summariseTrace(json: string, top = 12): string {
  const parsed = JSON.parse(json) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const mains = new Set<string>();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain') mains.add(`${e.pid}:${e.tid}`);
  // Complete events on the main thread(s); B/E pairs joined.
  const byThread = new Map<string, Span[]>();
  const open = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (!mains.has(key)) continue;
    const list = byThread.get(key) ?? byThread.set(key, []).get(key)!;
    if (e.ph === 'X' && e.dur !== undefined) list.push({ name: e.name, start: e.ts, end: e.ts + e.dur, cpu: e.tdur ?? -1, detail: detailOf(e) });
    else if (e.ph === 'B') (open.get(key) ?? open.set(key, []).get(key)!).push(e);
    else if (e.ph === 'E') {
      const b = open.get(key)?.pop();
      if (b) list.push({ name: b.name, start: b.ts, end: e.ts, cpu: -1, detail: detailOf(b) });
    }
  }
  const totals = new Map<string, number>();
  const lines: string[] = [];
  let taskCount = 0;
  let taskMs = 0;
  let taskCpuMs = 0;
  let mainCpuMs = 0;
  let first = Infinity;
  let last = -Infinity;
  for (const spans of byThread.values()) {
    spans.sort((a, b) => a.start - b.start || b.end - a.end);
    // Top-level tasks: spans not inside another.
    let i = 0;
    while (i < spans.length) {
      const task = spans[i]!;
      let j = i + 1;
      while (j < spans.length && spans[j]!.start < task.end) j++;
      const ms = (task.end - task.start) / 1000;
      const cpuMs = task.cpu >= 0 ? task.cpu / 1000 : ms;
      mainCpuMs += cpuMs;
      first = Math.min(first, task.start);
      last = Math.max(last, task.end);
      if (ms > LONG_TASK_MS) {
        taskCount++;
        taskMs += ms;
        taskCpuMs += cpuMs;
        const self = selfTimes(spans.slice(i, j));
        for (const [n, t] of self) totals.set(n, (totals.get(n) ?? 0) + t);
        const names = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6).map(([n, t]) => `${n} ${t.toFixed(0)}`).join(', ');
        lines.push(`    task ${ms.toFixed(0)} ms (${cpuMs.toFixed(0)} ms on a CPU): ${names}`);
      }
      i = j;
    }
  }
  const sum = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([n, t]) => `${n} ${t.toFixed(0)} ms`).join(' · ');
  const seconds = last > first ? (last - first) / 1e6 : 0;
  const load = seconds > 0 ? `main thread on a CPU ${(mainCpuMs / seconds).toFixed(0)} ms/s; ` : '';
  // A long task mostly off the CPU waited for a core (the machine was busy), it did not work.
  return `  trace: ${load}${taskCount} tasks over ${LONG_TASK_MS} ms (${taskMs.toFixed(0)} ms, ${taskCpuMs.toFixed(0)} ms of it on a CPU); self time in them (wall): ${sum || 'none'}\n${lines.join('\n')}`;
}

/** Names a function call by its function. */
function detailOf(e: TraceEvent): string {
  const d = e.args?.data;
  if (!d) return '';
  if (e.name === 'FunctionCall' && typeof d['functionName'] === 'string') return `(${d['functionName'] || 'anonymous'})`;
  return '';
}

/** Self time (ms) per name of spans sorted by start, the first enclosing the rest. */
function selfTimes(spans: Span[]): Map<string, number> {
  const self = new Map<string, number>();
  const stack: Span[] = [];
  const childTime = new Map<Span, number>();
  const close = (s: Span): void => {
    const key = `${s.name}${s.detail}`;
    self.set(key, (self.get(key) ?? 0) + Math.max(0, (s.end - s.start - (childTime.get(s) ?? 0)) / 1000));
  };
  for (const s of spans) {
    while (stack.length > 0 && stack.at(-1)!.end <= s.start) close(stack.pop()!);
    const parent = stack.at(-1);
    if (parent) childTime.set(parent, (childTime.get(parent) ?? 0) + Math.min(s.end, parent.end) - s.start);
    stack.push(s);
  }
  while (stack.length > 0) close(stack.pop()!);
  return self;
}

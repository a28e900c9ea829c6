// A dependency-free progress display: a redrawn bar on a terminal, and on pipes (CI, logs) one
// line per 10% step so output stays readable.
export interface ProgressBar {
  update(label: string, done: number, total: number): void;
  finish(): void;
}

export function createProgressBar(out: NodeJS.WriteStream = process.stderr, width = 30): ProgressBar {
  const tty = Boolean(out.isTTY);
  const lastStep = new Map<string, number>();
  let drawn = false;
  return {
    update(label, done, total) {
      const ratio = total > 0 ? Math.min(done / total, 1) : 1;
      const pct = Math.floor(ratio * 100);
      if (tty) {
        const filled = Math.round(ratio * width);
        out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${label} ${done}/${total}\x1b[K`);
        drawn = true;
        return;
      }
      const step = Math.floor(pct / 10);
      if (lastStep.get(label) === step && done < total) return;
      lastStep.set(label, step);
      out.write(`${label}: ${done}/${total} (${pct}%)\n`);
    },
    finish() {
      if (tty && drawn) out.write('\n');
      drawn = false;
    },
  };
}

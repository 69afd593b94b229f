/**
 * A progress bar on stderr for long seeds: redrawn in place on a terminal, a plain line every
 * few seconds otherwise (logs, CI), so a five-million-row load is never silent.
 */
const WIDTH = 28;
const LOG_EVERY_MS = 5000;
const DRAW_EVERY_MS = 100;

export class ProgressBar {
  private readonly started = Date.now();
  private last = 0;
  private shown = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, force = false): void {
    const now = Date.now();
    const every = this.stream.isTTY ? DRAW_EVERY_MS : LOG_EVERY_MS;
    if (!force && now - this.last < every) return;
    this.last = now;
    this.shown = done;
    const share = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(share * WIDTH);
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? Math.round(done / seconds).toLocaleString("en") : "-";
    const text =
      `${this.label} [${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${(share * 100).toFixed(0)}% ` +
      `${done.toLocaleString("en")}/${this.total.toLocaleString("en")} ${seconds.toFixed(1)} s ${rate}/s`;
    this.stream.write(this.stream.isTTY ? `\r${text}\u001b[K` : `${text}\n`);
  }

  finish(done = this.total): void {
    if (this.shown !== done) this.update(done, true);
    if (this.stream.isTTY) this.stream.write("\n");
  }
}

// Everything the demo starts registers how to stop it here, right after it started.
// Teardown runs once, last started first; something registered after teardown began
// (a start that was in progress when Ctrl-C came) is stopped at once.

interface Entry {
  name: string;
  stop: () => Promise<void> | void;
}

export class Teardown {
  private readonly entries: Entry[] = [];
  private running: Promise<void> | undefined;
  private readonly late: Promise<void>[] = [];

  constructor(private readonly report: (line: string) => void) {}

  get started(): boolean {
    return this.running !== undefined;
  }

  add(name: string, stop: () => Promise<void> | void): void {
    const entry = { name, stop };
    if (this.running) {
      this.late.push(this.stopOne(entry));
      return;
    }
    this.entries.push(entry);
  }

  /** Stops everything registered; later calls also wait for what was stopped since. */
  async run(): Promise<void> {
    this.running ??= (async () => {
      for (let entry = this.entries.pop(); entry; entry = this.entries.pop()) await this.stopOne(entry);
    })();
    await this.running;
    for (let stopping = this.late.shift(); stopping; stopping = this.late.shift()) await stopping;
  }

  private async stopOne(entry: Entry): Promise<void> {
    this.report(`stopping ${entry.name}`);
    try {
      await entry.stop();
    } catch (error) {
      this.report(
        `  could not stop ${entry.name}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}

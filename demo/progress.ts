// Step-by-step progress on stdout: every step is numbered, says what it does, prints its
// details indented and how long it took. A step that throws names itself in the error.

export class DemoInterrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

/** A failure with what to look at next; the step runner adds the step's name. */
export class StepError extends Error {
  constructor(
    message: string,
    readonly hints: string[] = [],
  ) {
    super(message);
  }
}

export class StepFailed extends Error {
  constructor(
    readonly step: string,
    readonly reason: string,
    readonly hints: string[],
  ) {
    super(`step "${step}" failed: ${reason}`);
  }
}

export type Say = (line: string) => void;

export class Progress {
  private index = 0;

  constructor(
    private readonly total: number,
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
    /** Throws DemoInterrupted once a signal was received: checked between steps. */
    private readonly checkInterrupted: () => void = () => undefined,
  ) {}

  say: Say = (line) => this.write(`      ${line}\n`);

  heading(text: string): void {
    this.write(`\n${text}\n`);
  }

  async step<T>(title: string, run: (say: Say) => Promise<T>): Promise<T> {
    this.checkInterrupted();
    this.index += 1;
    const name = `${this.index}/${this.total} ${title}`;
    this.write(`\n[${name}]\n`);
    const started = Date.now();
    let result: T;
    try {
      result = await run(this.say);
    } catch (error) {
      if (error instanceof DemoInterrupted || error instanceof StepFailed) throw error;
      const hints = error instanceof StepError ? error.hints : [];
      throw new StepFailed(name, error instanceof Error ? error.message : String(error), hints);
    }
    this.say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    this.checkInterrupted();
    return result;
  }
}

/** What a drill gets: a temp folder of its own, a place to register cleanups, and the run's scale. */
export interface DrillContext {
  /** a fresh temporary folder, removed after the drill */
  readonly dir: string;
  /** 'ci' keeps the whole suite under a minute on two cores; 'full' rings more */
  readonly scale: 'ci' | 'full';
  /** runs after the drill, last registered first, whatever happened */
  defer(cleanup: () => Promise<void> | void): void;
}

export interface DrillCheck {
  readonly what: string;
  readonly ok: boolean;
}

/** What a drill measured from the outside. `undefined` receipts: the drill prints nothing. */
export interface DrillMeasures {
  readonly salesLost: number;
  readonly duplicates: number;
  readonly receiptsLost?: number;
  readonly receiptsDoubled?: number;
  /** the longest await of a call the cashier blocks on (recording a sale, queueing its receipt) */
  readonly longestWaitMs: number;
  readonly checks: readonly DrillCheck[];
  /** one short line of what happened, for the report */
  readonly note?: string;
}

export interface DrillResult extends DrillMeasures {
  readonly name: string;
  readonly title: string;
  readonly pass: boolean;
  readonly durationMs: number;
  /** the error that stopped the drill, if one did */
  readonly error?: string;
}

export interface Drill {
  /** kebab-case, for `--only` */
  readonly name: string;
  readonly title: string;
  run(ctx: DrillContext): Promise<DrillMeasures>;
}

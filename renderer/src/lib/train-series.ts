import type { EpochStats } from '../../../src/api/contract.ts';

/** Loss and accuracy per epoch, as the columns uPlot draws (NaN where a value is missing). */
export interface Series {
  epoch: number[];
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
}

export const emptySeries: Series = { epoch: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [] };

const num = (v: number | undefined): number => (v === undefined || !Number.isFinite(v) ? NaN : v);

/**
 * Adds the point in a train job's progress counters (`epoch`, `loss`, `accuracy`, `valLoss`,
 * `valAccuracy`). A repeated epoch replaces its point; counters without an epoch are ignored.
 * Returns the same object when nothing changed.
 */
export function addPoint(series: Series, counters: Record<string, number>): Series {
  const epoch = counters.epoch;
  if (epoch === undefined || !Number.isFinite(epoch) || counters.loss === undefined) return series;
  const point = {
    loss: num(counters.loss),
    accuracy: num(counters.accuracy),
    valLoss: num(counters.valLoss),
    valAccuracy: num(counters.valAccuracy),
  };
  const last = series.epoch.length - 1;
  if (last >= 0 && series.epoch[last] === epoch) {
    if (
      same(series.loss[last], point.loss) &&
      same(series.accuracy[last], point.accuracy) &&
      same(series.valLoss[last], point.valLoss) &&
      same(series.valAccuracy[last], point.valAccuracy)
    )
      return series;
    return {
      epoch: series.epoch,
      loss: [...series.loss.slice(0, last), point.loss],
      accuracy: [...series.accuracy.slice(0, last), point.accuracy],
      valLoss: [...series.valLoss.slice(0, last), point.valLoss],
      valAccuracy: [...series.valAccuracy.slice(0, last), point.valAccuracy],
    };
  }
  if (last >= 0 && epoch < series.epoch[last]!) return series;
  return {
    epoch: [...series.epoch, epoch],
    loss: [...series.loss, point.loss],
    accuracy: [...series.accuracy, point.accuracy],
    valLoss: [...series.valLoss, point.valLoss],
    valAccuracy: [...series.valAccuracy, point.valAccuracy],
  };
}

/** A finished run's history in the same shape. */
export function fromHistory(history: readonly EpochStats[]): Series {
  return {
    epoch: history.map((h) => h.epoch),
    loss: history.map((h) => num(h.loss)),
    accuracy: history.map((h) => num(h.accuracy)),
    valLoss: history.map((h) => num(h.valLoss)),
    valAccuracy: history.map((h) => num(h.valAccuracy)),
  };
}

function same(a: number | undefined, b: number): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

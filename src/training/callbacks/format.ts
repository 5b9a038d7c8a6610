import type { StepLosses } from "../../nn/model.js";

/** `dLoss=0.693 gLoss=0.712` */
export function formatLosses(losses: StepLosses): string {
  return Object.entries(losses)
    .map(([k, v]) => `${k}=${Math.abs(v) >= 1000 ? v.toFixed(0) : v.toPrecision(4)}`)
    .join(" ");
}

/** `1h02m`, `3m05s`, `12s` */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  const s = Math.round(ms / 1000);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

/** `epoch-0003` for the third epoch (index 2). */
export function epochName(epoch: number): string {
  return `epoch-${String(epoch + 1).padStart(4, "0")}`;
}

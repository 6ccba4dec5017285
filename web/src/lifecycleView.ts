/**
 * The attestation's lifecycle on the page (docs/DESIGN.md §5.2): its state now, until when it is Live, the renewal
 * window once the oracle has snapshotted a later epoch, the grace period after a lapse, what is allocated and what
 * is still available, every lien, and which actions the state allows (allocate while Live; reclaim once Ended).
 */
import { LifecycleState } from "../../client/attestor.ts";
import type { Overview, SubjectState } from "./chain.ts";
import { formatDuration, formatUsd, formatWhen, shortAddress } from "./format.ts";
import { stackTable } from "./reportView.ts";

export const STATE_NAMES: Record<LifecycleState, string> = {
  [LifecycleState.None]: "None",
  [LifecycleState.Live]: "Live",
  [LifecycleState.Grace]: "Grace",
  [LifecycleState.Ended]: "Ended",
};

export interface LifecycleUi {
  state: HTMLElement;
  facts: HTMLElement;
  explain: HTMLElement;
  liens: HTMLTableElement;
  allocateBtn: HTMLButtonElement;
  reclaimBtn: HTMLButtonElement;
}

function fact(dl: HTMLElement, term: string, value: string, key: string): void {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  dd.dataset.key = key;
  dl.append(dt, dd);
}

/** Render the signer's attestation state; returns what the state allows. */
export function renderLifecycle(ui: LifecycleUi, s: SubjectState, o: Overview): { canAllocate: boolean; canReclaim: boolean } {
  const { status, liens, now } = s;
  const name = STATE_NAMES[status.state];
  ui.state.textContent = name;
  ui.state.className = `badge state-${name.toLowerCase()}`;
  ui.state.dataset.state = name;
  ui.facts.replaceChildren();
  const superseded = o.latestEpoch !== undefined && status.state !== LifecycleState.None && o.latestEpoch > status.epoch;
  if (status.state === LifecycleState.None) {
    ui.explain.textContent = "No attestation yet: prove your book and submit it above.";
  } else {
    fact(ui.facts, "epoch", `${status.epoch}${superseded ? ` (the oracle is at epoch ${o.latestEpoch})` : ""}`, "epoch");
    fact(ui.facts, "attested excess", formatUsd(status.minExcess), "minExcess");
    fact(ui.facts, "allocated to lenders", formatUsd(status.allocated), "allocated");
    fact(ui.facts, "available to allocate", formatUsd(status.available), "available");
    fact(ui.facts, status.state === LifecycleState.Live ? "live until" : "lapsed at", formatWhen(status.lapsesAt, now), "lapsesAt");
    fact(ui.facts, "grace ends", formatWhen(status.graceEndsAt, now), "graceEndsAt");
    fact(ui.facts, "risk parameters", `version ${status.riskVersion}`, "riskVersion");
    fact(ui.facts, "venues", status.venueIds.filter((v) => v !== 0n).map((v) => `#${v}`).join(", "), "venues");
    const { ttl, renewalWindow, gracePeriod } = o.timing;
    if (status.state === LifecycleState.Live) {
      ui.explain.textContent = superseded
        ? `Renewal window: the oracle snapshotted epoch ${o.latestEpoch}, so this attestation stays Live only ${formatDuration(renewalWindow)} after that snapshot, until ${formatWhen(status.lapsesAt, now)}. Load epoch ${o.latestEpoch}'s statements, prove and submit to renew: your liens carry over if the new excess covers them.`
        : `Live: lenders may rely on their liens until ${formatWhen(status.lapsesAt, now)} — at most ${formatDuration(ttl)} after the snapshot, or ${formatDuration(renewalWindow)} after the next snapshot, whichever comes first. Renew by proving the next epoch once the oracle and your venues have posted it.`;
    } else if (status.state === LifecycleState.Grace) {
      ui.explain.textContent = `Lapsed: nothing can be allocated. For ${formatDuration(gracePeriod)} after the lapse (until ${formatWhen(status.graceEndsAt, now)}) every lien still binds and your book cannot back anyone else; lenders margin-call now. Renewing with a proof of the latest epoch cures the lapse and keeps the liens.`;
    } else {
      ui.explain.textContent = `Ended at ${formatWhen(status.graceEndsAt, now)}: lenders had the grace period to act. Reclaim to void every lien at once (or attest again, which reclaims first); the book is then free for another subject.`;
    }
  }
  if (liens.length === 0) {
    ui.liens.hidden = true;
  } else {
    ui.liens.hidden = false;
    stackTable(
      ui.liens,
      ["lender", "lien", "state", "until"],
      liens.map(({ consumer, lien }) => [shortAddress(consumer), formatUsd(lien.amount), STATE_NAMES[lien.state], lien.amount === 0n ? "—" : formatWhen(lien.until, now)]),
    );
    ui.liens.querySelectorAll("tbody tr").forEach((tr, i) => {
      (tr as HTMLElement).dataset.consumer = liens[i].consumer;
      (tr.firstElementChild as HTMLElement).title = liens[i].consumer;
    });
  }
  const canAllocate = status.state === LifecycleState.Live && status.available > 0n;
  const canReclaim = status.state === LifecycleState.Ended && status.allocated > 0n;
  ui.allocateBtn.disabled = !canAllocate;
  ui.reclaimBtn.disabled = !canReclaim;
  return { canAllocate, canReclaim };
}

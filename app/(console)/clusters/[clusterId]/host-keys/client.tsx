"use client";

import { useRouter } from "next/navigation";
import { useActionState, useEffect } from "react";
import {
  acceptHostKeyAction,
  rejectHostKeyAction,
  revokeHostKeyAction,
  trustOnFirstUseAction,
} from "@/app/(console)/clusters/[clusterId]/host-keys/actions";
import { ActionErrorNote, FieldErrors } from "@/components/workflows/action-error";
import { When } from "@/components/workflows/time";
import type { ActionResult } from "@/lib/action-result";
import { type OperatorRole, hasRole } from "@/lib/auth/roles";
import type { HostKeyDecisionRecord, HostKeysRow, HostKeysView, OfferedHostKey } from "@/lib/ssh/host-keys";

const REFRESH_MS = 5_000;

// OpenSSH keeps one key per type; the host offers the first type both sides support (ed25519 on a current Debian).
const KEYGEN_COMMANDS = ["ed25519", "ecdsa", "rsa"].map((type) => `ssh-keygen -lf /etc/ssh/ssh_host_${type}_key.pub`);

type Result<T> = ActionResult<T> | null;

/** A form bound to an action: the page is read again once it succeeds. */
function useDecision<T>(action: (input: unknown) => Promise<ActionResult<T>>, toInput: (form: FormData) => unknown) {
  const router = useRouter();
  return useActionState(async (_prev: Result<T>, form: FormData) => {
    const result = await action(toInput(form));
    if (result.ok) router.refresh();
    return result;
  }, null);
}

export function Client({ view, role }: { view: HostKeysView; role: OperatorRole }) {
  const router = useRouter();
  const admin = hasRole(role, "admin");
  useEffect(() => {
    // offered keys are learnt as the hosts are polled
    const timer = setInterval(() => router.refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [router]);
  const offers = view.hosts.flatMap((h) => (h.offered ? [h.offered] : []));
  return (
    <main className="tl">
      <div className="page-head">
        <h1>Host keys</h1>
        <span className="sub">
          {admin ? "accept or reject a key only after checking it on the host itself" : "read-only: only an admin may accept or reject a host key"}
        </span>
      </div>
      {offers.length > 0 ? (
        <div className="banner crit" role="alert" data-testid="host-keys-refused">
          {offers.length === 1 ? "1 host is" : `${offers.length} hosts are`} refused: {offers.map((o) => o.host).join(", ")} offered a key the console does not
          trust. Nothing is read from {offers.length === 1 ? "it" : "them"} until an admin decides.
        </div>
      ) : null}
      {view.firstUse ? <FirstUse clusterId={view.clusterId} offers={offers} hostCount={view.hosts.length} admin={admin} /> : null}
      {view.hosts.map((row) => (
        <HostPanel key={row.host} clusterId={view.clusterId} row={row} admin={admin} />
      ))}
    </main>
  );
}

function Fingerprint({ value, testId }: { value: string; testId?: string }) {
  return (
    <span className="mono" data-testid={testId}>
      {value}
    </span>
  );
}

function HostPanel({ clusterId, row, admin }: { clusterId: string; row: HostKeysRow; admin: boolean }) {
  const accepted = row.decisions.filter((d) => d.decision === "accepted");
  const rejected = row.decisions.filter((d) => d.decision === "rejected");
  return (
    <section className="panel" data-testid={`host-key-${row.host}`} data-state={row.offered ? (row.offeredRejected ? "rejected" : row.offered.kind) : "trusted"}>
      <h2>
        {row.host}{" "}
        <span className="muted">
          {row.role} · {row.address}:{row.port}
        </span>
      </h2>
      {row.offered ? <Offered clusterId={clusterId} row={row} offer={row.offered} admin={admin} /> : null}
      <dl className="kv">
        <dt>Pinned in the inventory</dt>
        <dd data-testid={`host-key-${row.host}-pinned`}>
          {row.pinned.length > 0 ? row.pinned.map((fp) => <div key={fp}><Fingerprint value={fp} /></div>) : <span className="muted">none</span>}
        </dd>
        <dt>Accepted in the console</dt>
        <dd data-testid={`host-key-${row.host}-accepted`}>
          {accepted.length > 0 ? accepted.map((d) => <Decision key={d.id} clusterId={clusterId} decision={d} admin={admin} />) : <span className="muted">none</span>}
        </dd>
        {rejected.length > 0 ? (
          <>
            <dt>Rejected</dt>
            <dd>
              {rejected.map((d) => (
                <Decision key={d.id} clusterId={clusterId} decision={d} admin={false} />
              ))}
            </dd>
          </>
        ) : null}
      </dl>
      {row.history.length > 0 ? (
        <details>
          <summary className="muted">Earlier decisions ({row.history.length})</summary>
          <ul>
            {row.history.map((d) => (
              <li key={d.id}>
                {d.decision} <Fingerprint value={d.fingerprint} /> by {d.decidedBy} (<When at={d.decidedAt} />): {d.reason}
                {d.revokedAt !== null ? (
                  <span className="muted">
                    {" "}
                    — withdrawn <When at={d.revokedAt} />
                    {d.revokedBy ? ` by ${d.revokedBy}` : ""}
                  </span>
                ) : null}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </section>
  );
}

function Decision({ clusterId, decision, admin }: { clusterId: string; decision: HostKeyDecisionRecord; admin: boolean }) {
  const [result, submit, pending] = useDecision(revokeHostKeyAction, (form) => ({
    clusterId,
    host: decision.host,
    decisionId: Number(form.get("decisionId")),
    reason: String(form.get("reason") ?? ""),
  }));
  const error = result && !result.ok ? result.error : null;
  return (
    <div data-testid={`decision-${decision.id}`}>
      <Fingerprint value={decision.fingerprint} /> by <span className="who">{decision.decidedBy}</span> (<When at={decision.decidedAt} />): {decision.reason}
      {admin && decision.decision === "accepted" ? (
        <form action={submit} className="tl-note-form">
          <input type="hidden" name="decisionId" value={decision.id} />
          <label>
            Reason to revoke
            <input name="reason" type="text" maxLength={500} data-testid={`revoke-reason-${decision.host}`} />
          </label>
          <FieldErrors messages={error?.fieldErrors?.reason} />
          <ActionErrorNote error={error} shownFields={["reason"]} />
          <button type="submit" disabled={pending} data-testid={`revoke-${decision.host}`}>
            {pending ? "Revoking…" : "Revoke this key"}
          </button>
        </form>
      ) : null}
    </div>
  );
}

function Offered({ clusterId, row, offer, admin }: { clusterId: string; row: HostKeysRow; offer: OfferedHostKey; admin: boolean }) {
  const choice = (form: FormData) => ({ clusterId, host: row.host, fingerprint: String(form.get("fingerprint") ?? ""), reason: String(form.get("reason") ?? "") });
  const [accepted, accept, accepting] = useDecision(acceptHostKeyAction, choice);
  const [rejected, reject, rejecting] = useDecision(rejectHostKeyAction, choice);
  const last = accepting ? null : rejecting ? null : (accepted ?? rejected);
  const error = last && !last.ok ? last.error : null;
  return (
    <div className={`banner ${offer.kind === "changed" ? "crit" : "warn"}`} data-testid={`offered-${row.host}`} data-kind={offer.kind}>
      <p>
        <strong>{offer.kind === "changed" ? "Host key changed." : "Unknown host key."}</strong>{" "}
        {row.offeredRejected ? "An admin rejected this key; the host stays refused. " : "The host is refused until an admin decides. "}
        First offered <When at={offer.firstSeenAt} />, last <When at={offer.lastSeenAt} />.
      </p>
      <dl className="kv">
        <dt>Offered</dt>
        <dd>
          <Fingerprint value={offer.fingerprint} testId={`offered-${row.host}-fingerprint`} />
        </dd>
        <dt>Trusted until now</dt>
        <dd data-testid={`offered-${row.host}-trusted`}>
          {offer.trusted.length > 0 ? offer.trusted.map((fp) => <div key={fp}><Fingerprint value={fp} /></div>) : <span className="muted">nothing (no key pinned or accepted)</span>}
        </dd>
      </dl>
      <p>
        Check it out of band: on {row.host}&apos;s own console (not over this network), run the command for its key type and compare the SHA256 value:
      </p>
      <pre data-testid={`offered-${row.host}-check`}>{KEYGEN_COMMANDS.join("\n")}</pre>
      {admin ? (
        <form className="tl-note-form" action={accept}>
          <input type="hidden" name="fingerprint" value={offer.fingerprint} />
          <label>
            Reason (what you checked, and why the key changed)
            <textarea name="reason" rows={2} maxLength={500} required minLength={3} data-testid={`host-key-reason-${row.host}`} />
          </label>
          <FieldErrors messages={error?.fieldErrors?.reason} />
          <ActionErrorNote error={error} shownFields={["reason"]} testId={`host-key-error-${row.host}`} />
          <div className="wf-form-actions">
            <button type="submit" disabled={accepting || rejecting} data-testid={`accept-${row.host}`}>
              {accepting ? "Accepting…" : "Accept this key"}
            </button>
            {row.offeredRejected ? null : (
              <button type="submit" formAction={reject} disabled={accepting || rejecting} data-testid={`reject-${row.host}`}>
                {rejecting ? "Rejecting…" : "Reject this key"}
              </button>
            )}
          </div>
        </form>
      ) : null}
    </div>
  );
}

function FirstUse({ clusterId, offers, hostCount, admin }: { clusterId: string; offers: OfferedHostKey[]; hostCount: number; admin: boolean }) {
  const keys = offers.map((o) => ({ host: o.host, fingerprint: o.fingerprint }));
  const [result, submit, pending] = useDecision(trustOnFirstUseAction, (form) => ({ clusterId, keys, reason: String(form.get("reason") ?? "") }));
  const error = result && !result.ok ? result.error : null;
  return (
    <section className="panel" data-testid="first-use">
      <h2>First use</h2>
      <p>
        Nothing is pinned in the inventory for this cluster and no key has been accepted. {offers.length} of {hostCount} hosts have offered a key so far
        {offers.length < hostCount ? "; the others have not answered yet" : ""}.
      </p>
      {offers.length > 0 ? (
        <ul data-testid="first-use-keys">
          {offers.map((o) => (
            <li key={o.host}>
              {o.host}: <Fingerprint value={o.fingerprint} />
            </li>
          ))}
        </ul>
      ) : null}
      {admin && offers.length > 0 ? (
        <form action={submit} className="tl-note-form">
          <label>
            Reason
            <textarea name="reason" rows={2} maxLength={500} required minLength={3} data-testid="first-use-reason" />
          </label>
          <FieldErrors messages={error?.fieldErrors?.reason} />
          <ActionErrorNote error={error} shownFields={["reason"]} testId="first-use-error" />
          <button type="submit" disabled={pending} data-testid="first-use-trust">
            {pending ? "Trusting…" : `Trust these ${offers.length} keys on first use`}
          </button>
        </form>
      ) : null}
    </section>
  );
}

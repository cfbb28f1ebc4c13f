"use client";

import { useState } from "react";
import { NumberField, SelectField } from "@/components/workflows/fields";
import { useWorkflowStart } from "@/components/workflows/use-workflow-start";
import { type CardContext, WorkflowCard } from "@/components/workflows/workflow-card";
import type { BalancerState } from "@/lib/cluster/state";

/** What the balancer holding the VIP sends a node now: the numbers a drain waits on. */
function poolLine(balancers: readonly BalancerState[] | null, host: string): string | null {
  const active = balancers?.find((b) => b.holdsVip) ?? balancers?.[0];
  const rs = active?.realServers.find((r) => r.host === host);
  if (!active || !rs) return null;
  const weight = rs.weight === 0 ? "weight 0 (already drained)" : `weight ${rs.weight}`;
  return `now on ${active.name}: ${weight}, ${rs.stickyClients} pinned clients, ${rs.activeConns} active connections`;
}

export function DrainCard({
  clusterId,
  context,
  webHosts,
  drained,
  persistenceSeconds,
  balancers,
}: {
  clusterId: string;
  context: CardContext;
  webHosts: readonly string[];
  drained: readonly string[];
  persistenceSeconds: number;
  balancers: readonly BalancerState[] | null;
}) {
  const flow = useWorkflowStart(clusterId, "drain");
  const [host, setHost] = useState(() => webHosts.find((h) => !drained.includes(h)) ?? webHosts[0] ?? "");
  const [threshold, setThreshold] = useState("0");
  const [maxWait, setMaxWait] = useState("");
  const params = { host, threshold, ...(maxWait.trim() === "" ? {} : { maxWaitSeconds: maxWait }) };
  const errors = flow.fieldErrors;
  return (
    <WorkflowCard
      kind="drain"
      description={
        <>
          Weight 0 on both balancers: the node takes no new clients, while clients pinned by LVS persistence keep coming until their
          pins expire ({persistenceSeconds} s). Sessions kept in files on the node are lost if it is taken out early; sessions in the
          database survive.
        </>
      }
      flow={flow}
      params={params}
      fields={["host", "threshold", "maxWaitSeconds"]}
      context={context}
    >
      <SelectField
        label="Web node"
        name="host"
        value={host}
        onChange={setHost}
        options={webHosts.map((h) => ({ value: h, label: drained.includes(h) ? `${h} (drained)` : h }))}
        errors={errors.host}
        hint={poolLine(balancers, host)}
      />
      <NumberField
        label="Done at (clients + connections)"
        name="threshold"
        value={threshold}
        onChange={setThreshold}
        min={0}
        max={10_000}
        errors={errors.threshold}
        hint="the wait ends when pinned clients and connections fall to this"
      />
      <NumberField
        label="Give up after (seconds)"
        name="maxWaitSeconds"
        value={maxWait}
        onChange={setMaxWait}
        min={0}
        max={86_400}
        placeholder={String(persistenceSeconds)}
        errors={errors.maxWaitSeconds}
        hint="then the run asks you; empty: the persistence timeout"
      />
    </WorkflowCard>
  );
}

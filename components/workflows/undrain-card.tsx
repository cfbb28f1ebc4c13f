"use client";

import { SelectField } from "@/components/workflows/fields";
import type { WorkflowStart } from "@/components/workflows/use-workflow-start";
import { type CardContext, WorkflowCard } from "@/components/workflows/workflow-card";

/** Controlled by the page, so the drained-nodes list can preview an undrain of a node it shows. */
export function UndrainCard({
  context,
  flow,
  webHosts,
  drained,
  host,
  onHostChange,
}: {
  context: CardContext;
  flow: WorkflowStart;
  webHosts: readonly string[];
  drained: readonly string[];
  host: string;
  onHostChange: (host: string) => void;
}) {
  return (
    <WorkflowCard
      kind="undrain"
      description="Restores the node's weights on both balancers to what they were before its drain, so it takes new clients again."
      flow={flow}
      params={{ host }}
      fields={["host"]}
      context={context}
    >
      <SelectField
        label="Web node"
        name="host"
        value={host}
        onChange={onHostChange}
        options={webHosts.map((h) => ({ value: h, label: drained.includes(h) ? `${h} (drained)` : `${h} (not drained)` }))}
        errors={flow.fieldErrors.host}
      />
    </WorkflowCard>
  );
}

"use client";

import { useState } from "react";
import { FieldErrors } from "@/components/workflows/action-error";
import { NumberField, TextAreaField } from "@/components/workflows/fields";
import { useWorkflowStart } from "@/components/workflows/use-workflow-start";
import { type CardContext, WorkflowCard } from "@/components/workflows/workflow-card";
import type { MaintenanceParams } from "@/lib/workflows/params";

type Action = MaintenanceParams["action"];

const CHOICES: { value: Action; label: string }[] = [
  { value: "enable", label: "Enable now" },
  { value: "enable-later", label: "Enable in N minutes" },
  { value: "disable", label: "Disable" },
];

/** What every web node reports; climaintenance.html lives in the shared dataroot, so they should agree. */
export function MaintenanceStatus({ nodes }: { nodes: { name: string; maintenance: boolean | null }[] | null }) {
  if (nodes === null || nodes.length === 0 || nodes.every((n) => n.maintenance === null)) {
    return <span className="muted" data-testid="maintenance-status" data-state="unknown">maintenance mode: unknown</span>;
  }
  const on = nodes.filter((n) => n.maintenance === true);
  const off = nodes.filter((n) => n.maintenance === false);
  if (off.length === 0 && on.length === nodes.length) {
    return <span className="wf-state wf-state-warn" data-testid="maintenance-status" data-state="on">maintenance mode ON: users see the maintenance page</span>;
  }
  if (on.length === 0 && off.length === nodes.length) {
    return <span className="wf-state wf-state-ok" data-testid="maintenance-status" data-state="off">maintenance mode off: the site is open</span>;
  }
  return (
    <span className="wf-state wf-state-crit" data-testid="maintenance-status" data-state="mixed">
      nodes disagree: {nodes.map((n) => `${n.name} ${n.maintenance === null ? "unknown" : n.maintenance ? "on" : "off"}`).join(", ")}
    </span>
  );
}

export function MaintenanceCard({
  clusterId,
  context,
  nodes,
}: {
  clusterId: string;
  context: CardContext;
  nodes: { name: string; maintenance: boolean | null }[] | null;
}) {
  const flow = useWorkflowStart(clusterId, "maintenance");
  const [action, setAction] = useState<Action>(() => (nodes?.some((n) => n.maintenance === true) ? "disable" : "enable"));
  const [message, setMessage] = useState("");
  const [minutes, setMinutes] = useState("10");
  const params =
    action === "enable" ? { action, message } : action === "enable-later" ? { action, minutes, message } : { action };
  const errors = flow.fieldErrors;
  return (
    <WorkflowCard
      kind="maintenance"
      description="Moodle's maintenance page on every web node at once (climaintenance.html in the shared dataroot): nobody, admins included, can use the site until it is disabled."
      status={<MaintenanceStatus nodes={nodes} />}
      flow={flow}
      params={params}
      fields={["action", "message", "minutes"]}
      context={context}
    >
      <fieldset className="wf-choice">
        <legend>Action</legend>
        {CHOICES.map((c) => (
          <label key={c.value} className="wf-check">
            <input type="radio" name="maintenance-action" value={c.value} checked={action === c.value} onChange={() => setAction(c.value)} />
            {c.label}
          </label>
        ))}
        <FieldErrors messages={errors.action} />
      </fieldset>
      {action === "enable-later" ? (
        <NumberField
          label="Minutes from now"
          name="minutes"
          value={minutes}
          onChange={setMinutes}
          min={1}
          max={1440}
          errors={errors.minutes}
          hint="signed-in users see a warning until then"
        />
      ) : null}
      {action !== "disable" ? (
        <TextAreaField
          label="Message to users"
          name="message"
          value={message}
          onChange={setMessage}
          placeholder="optional: shown on the maintenance page"
          errors={errors.message}
        />
      ) : null}
    </WorkflowCard>
  );
}

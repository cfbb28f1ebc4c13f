"use client";

import { useState } from "react";
import { NumberField, SelectField, TextAreaField, TextField } from "@/components/workflows/fields";
import { useWorkflowStart } from "@/components/workflows/use-workflow-start";
import { type CardContext, WorkflowCard } from "@/components/workflows/workflow-card";

export interface ReleaseSourceChoice {
  hosts: readonly { name: string; role: string }[];
  /** the inventory's web.releaseSource, if set */
  initial: { host: string; path: string } | null;
}

function useReleaseSource(source: ReleaseSourceChoice) {
  const [sourceHost, setSourceHost] = useState(() => source.initial?.host ?? source.hosts[0]?.name ?? "");
  const [sourcePath, setSourcePath] = useState(() => source.initial?.path ?? "");
  return { sourceHost, setSourceHost, sourcePath, setSourcePath };
}

function SourceFields({
  source,
  state,
  errors,
}: {
  source: ReleaseSourceChoice;
  state: ReturnType<typeof useReleaseSource>;
  errors: Record<string, string[]>;
}) {
  return (
    <>
      <SelectField
        label="Source host"
        name="sourceHost"
        value={state.sourceHost}
        onChange={state.setSourceHost}
        options={source.hosts.map((h) => ({ value: h.name, label: `${h.name} (${h.role})` }))}
        errors={errors.sourceHost}
      />
      <TextField
        label="Source path"
        name="sourcePath"
        value={state.sourcePath}
        onChange={state.setSourcePath}
        placeholder="/srv/releases/moodle"
        mono
        errors={errors.sourcePath}
        hint={source.initial ? `the inventory's release source is ${source.initial.host}:${source.initial.path}` : "the release's code folder on the source host"}
      />
    </>
  );
}

export function CodeUpdateCard({ clusterId, context, source }: { clusterId: string; context: CardContext; source: ReleaseSourceChoice }) {
  const flow = useWorkflowStart(clusterId, "code-update");
  const state = useReleaseSource(source);
  const [drainWait, setDrainWait] = useState("30");
  const params = { sourceHost: state.sourceHost, sourcePath: state.sourcePath, drainWaitSeconds: drainWait };
  return (
    <WorkflowCard
      kind="code-update"
      description="New code with the same Moodle $version, node by node: drain, rsync from the release source, smoke test, undrain. The site stays up. A release with a new $version needs the upgrade instead."
      flow={flow}
      params={params}
      fields={["sourceHost", "sourcePath", "drainWaitSeconds"]}
      context={context}
    >
      <SourceFields source={source} state={state} errors={flow.fieldErrors} />
      <NumberField
        label="Drain wait per node (seconds)"
        name="drainWaitSeconds"
        value={drainWait}
        onChange={setDrainWait}
        min={0}
        max={3600}
        errors={flow.fieldErrors.drainWaitSeconds}
        hint="how long each node's clients get to leave before its code changes"
      />
    </WorkflowCard>
  );
}

export function UpgradeCard({ clusterId, context, source }: { clusterId: string; context: CardContext; source: ReleaseSourceChoice }) {
  const flow = useWorkflowStart(clusterId, "upgrade");
  const state = useReleaseSource(source);
  const [message, setMessage] = useState("");
  const params = { sourceHost: state.sourceHost, sourcePath: state.sourcePath, message };
  return (
    <WorkflowCard
      kind="upgrade"
      description="A new Moodle $version is not rolling: maintenance on, rsync the release to every web node, upgrade.php on one node, purge caches on every node, checks, maintenance off. The site is down meanwhile."
      flow={flow}
      params={params}
      fields={["sourceHost", "sourcePath", "message"]}
      context={context}
    >
      <SourceFields source={source} state={state} errors={flow.fieldErrors} />
      <TextAreaField
        label="Maintenance message"
        name="message"
        value={message}
        onChange={setMessage}
        placeholder="optional: shown to users during the upgrade"
        errors={flow.fieldErrors.message}
      />
    </WorkflowCard>
  );
}

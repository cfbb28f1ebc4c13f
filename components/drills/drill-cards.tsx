"use client";

import { useState } from "react";
import { NumberField, SelectField } from "@/components/workflows/fields";
import { useWorkflowStart } from "@/components/workflows/use-workflow-start";
import { type CardContext, WorkflowCard } from "@/components/workflows/workflow-card";

export function BalancerDrillCard({ clusterId, context }: { clusterId: string; context: CardContext }) {
  const flow = useWorkflowStart(clusterId, "drill-balancer");
  const [noVip, setNoVip] = useState("30");
  const [unserved, setUnserved] = useState("30");
  return (
    <WorkflowCard
      kind="drill-balancer"
      description={
        <>
          Stops heartbeat (or keepalived) on the balancer holding the VIP and watches the other take it, requesting the site through the
          VIP every second. Measured: seconds with no VIP owner, seconds without a served request, sticky clients lost. Crossing a bound
          aborts the drill and starts the daemon again.
        </>
      }
      flow={flow}
      params={{ maxNoVipSeconds: noVip, maxUnservedSeconds: unserved }}
      fields={["maxNoVipSeconds", "maxUnservedSeconds"]}
      context={context}
    >
      <NumberField label="Abort after no VIP owner for (seconds)" name="maxNoVipSeconds" value={noVip} onChange={setNoVip} min={1} max={600} errors={flow.fieldErrors.maxNoVipSeconds} />
      <NumberField
        label="Abort after the site unserved for (seconds)"
        name="maxUnservedSeconds"
        value={unserved}
        onChange={setUnserved}
        min={1}
        max={600}
        errors={flow.fieldErrors.maxUnservedSeconds}
      />
    </WorkflowCard>
  );
}

export function ServerDrillCard({ clusterId, context, servers, switchable }: { clusterId: string; context: CardContext; servers: { name: string; label: string }[]; switchable: boolean }) {
  const flow = useWorkflowStart(clusterId, "drill-server");
  const [server, setServer] = useState(servers[1]?.name ?? servers[0]?.name ?? "");
  const [unserved, setUnserved] = useState("60");
  const [recovery, setRecovery] = useState("300");
  return (
    <WorkflowCard
      kind="drill-server"
      description={
        <>
          A whole physical server loses power {switchable ? "(the lab switches it)" : "(you switch it when the run asks; the console watches)"}; every
          tier&apos;s failover is watched and the site checked through the VIP; power returns and the cluster must be redundant again.
        </>
      }
      flow={flow}
      params={{ server, maxUnservedSeconds: unserved, maxRecoverySeconds: recovery }}
      fields={["server", "maxUnservedSeconds", "maxRecoverySeconds"]}
      context={context}
    >
      <SelectField label="Physical server" name="server" value={server} onChange={setServer} options={servers.map((s) => ({ value: s.name, label: s.label }))} errors={flow.fieldErrors.server} />
      <NumberField label="Abort after the site unserved for (seconds)" name="maxUnservedSeconds" value={unserved} onChange={setUnserved} min={1} max={1800} errors={flow.fieldErrors.maxUnservedSeconds} />
      <NumberField label="Recovery allowed after power-on (seconds)" name="maxRecoverySeconds" value={recovery} onChange={setRecovery} min={1} max={3600} errors={flow.fieldErrors.maxRecoverySeconds} />
    </WorkflowCard>
  );
}

export function StorageDrillCard({ clusterId, context }: { clusterId: string; context: CardContext }) {
  const flow = useWorkflowStart(clusterId, "drill-storage");
  const [down, setDown] = useState("60");
  return (
    <WorkflowCard
      kind="drill-storage"
      description={
        <>
          The file server serving NFS hands its resources to its peer as heartbeat does it (export stopped, unmounted, DRBD demoted; the peer
          promotes, mounts, exports and takes the NFS address), while every web node&apos;s dataroot is read each second. Measured: seconds the
          dataroot was unreadable, out-of-sync afterwards. Crossing the bound takes the resources back.
        </>
      }
      flow={flow}
      params={{ maxNfsDownSeconds: down }}
      fields={["maxNfsDownSeconds"]}
      context={context}
    >
      <NumberField label="Abort after the dataroot unreadable for (seconds)" name="maxNfsDownSeconds" value={down} onChange={setDown} min={1} max={600} errors={flow.fieldErrors.maxNfsDownSeconds} />
    </WorkflowCard>
  );
}

export function DatabaseDrillCard({ clusterId, context }: { clusterId: string; context: CardContext }) {
  const flow = useWorkflowStart(clusterId, "drill-database");
  const [mode, setMode] = useState("graceful");
  const [readOnly, setReadOnly] = useState("60");
  return (
    <WorkflowCard
      kind="drill-database"
      description={
        <>
          Promotes the replica. Graceful: the source goes read-only, the replica applies everything (positions or GTIDs), is promoted, the old
          source replicates from it and Moodle is pointed at it (config.php&apos;s dbhost or the floating address). Forced, for a dead source:
          the plan states the data at risk first. Measured: seconds read-only, transactions lost, lag at promotion. Crossing the bound gives the
          source its writes back.
        </>
      }
      flow={flow}
      params={{ mode, maxReadOnlySeconds: readOnly }}
      fields={["mode", "maxReadOnlySeconds"]}
      context={context}
    >
      <SelectField
        label="Mode"
        name="mode"
        value={mode}
        onChange={setMode}
        options={[
          { value: "graceful", label: "graceful (the source is alive)" },
          { value: "forced", label: "forced (the source is dead)" },
        ]}
        errors={flow.fieldErrors.mode}
      />
      <NumberField label="Abort after read-only for (seconds)" name="maxReadOnlySeconds" value={readOnly} onChange={setReadOnly} min={1} max={600} errors={flow.fieldErrors.maxReadOnlySeconds} />
    </WorkflowCard>
  );
}

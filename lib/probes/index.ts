import { apacheStatusProbe } from "@/lib/probes/apache-status";
import { clockProbe } from "@/lib/probes/clock";
import { codeFingerprintProbe } from "@/lib/probes/code-fingerprint";
import { findmntProbe } from "@/lib/probes/findmnt";
import { moodleConfigProbe } from "@/lib/probes/moodle-config";
import { moodleMaintenanceProbe } from "@/lib/probes/moodle-maintenance";
import { moodleSettingsProbe } from "@/lib/probes/moodle-settings";
import { phpHandlerProbe } from "@/lib/probes/php-handler";
import { mysqlVitalsProbe } from "@/lib/probes/mysql-vitals";
import { serviceStateProbe } from "@/lib/probes/service-state";
import { sessionFilesProbe } from "@/lib/probes/session-files";
import { clStatusProbe } from "@/lib/probes/cl-status";
import { crmMonXmlProbe } from "@/lib/probes/crm-mon-xml";
import { dfProbe } from "@/lib/probes/df";
import { drbdEvents2Probe } from "@/lib/probes/drbd-events2";
import { drbdadmStatusProbe } from "@/lib/probes/drbdadm-status";
import { exportfsProbe } from "@/lib/probes/exportfs";
import { ipAddrProbe } from "@/lib/probes/ip-addr";
import { ipvsadmProbe } from "@/lib/probes/ipvsadm";
import { ipvsadmConnsProbe } from "@/lib/probes/ipvsadm-conns";
import { keepalivedConfProbe } from "@/lib/probes/keepalived-conf";
import { keepalivedStateProbe } from "@/lib/probes/keepalived-state";
import { ldirectordCfProbe } from "@/lib/probes/ldirectord-cf";
import { loadavgProbe } from "@/lib/probes/loadavg";
import { meminfoProbe } from "@/lib/probes/meminfo";
import { moodleVersionProbe } from "@/lib/probes/moodle-version";
import { mysqlMasterStatusProbe } from "@/lib/probes/mysql-master-status";
import { mysqlReplicaStatusProbe } from "@/lib/probes/mysql-replica-status";
import { procDrbdProbe } from "@/lib/probes/proc-drbd";
import { rsyncItemizeProbe } from "@/lib/probes/rsync-itemize";
import { uptimeProbe } from "@/lib/probes/uptime";

/** Every probe the console may run, keyed by the name used in snapshots and by `npm run parse`. */
export const probes = {
  ipvsadm: ipvsadmProbe,
  "ipvsadm-conns": ipvsadmConnsProbe,
  "ip-addr": ipAddrProbe,
  "cl-status": clStatusProbe,
  "crm-mon-xml": crmMonXmlProbe,
  "ldirectord-cf": ldirectordCfProbe,
  "keepalived-state": keepalivedStateProbe,
  "keepalived-conf": keepalivedConfProbe,
  "apache-status": apacheStatusProbe,
  "moodle-version": moodleVersionProbe,
  "proc-drbd": procDrbdProbe,
  "drbdadm-status": drbdadmStatusProbe,
  "drbd-events2": drbdEvents2Probe,
  exportfs: exportfsProbe,
  "mysql-replica-status": mysqlReplicaStatusProbe,
  "mysql-master-status": mysqlMasterStatusProbe,
  loadavg: loadavgProbe,
  meminfo: meminfoProbe,
  df: dfProbe,
  uptime: uptimeProbe,
  "rsync-itemize": rsyncItemizeProbe,
  clock: clockProbe,
  "service-state": serviceStateProbe,
  "moodle-config": moodleConfigProbe,
  "moodle-maintenance": moodleMaintenanceProbe,
  "session-files": sessionFilesProbe,
  "code-fingerprint": codeFingerprintProbe,
  "php-handler": phpHandlerProbe,
  "moodle-settings": moodleSettingsProbe,
  findmnt: findmntProbe,
  "mysql-vitals": mysqlVitalsProbe,
} as const;

export type ProbeName = keyof typeof probes;

export function isProbeName(name: string): name is ProbeName {
  return Object.hasOwn(probes, name);
}

export const probeNames: readonly ProbeName[] = Object.keys(probes).filter(isProbeName);

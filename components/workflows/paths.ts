export function workflowsPath(clusterId: string): string {
  return `/clusters/${encodeURIComponent(clusterId)}/workflows`;
}

export function runPath(clusterId: string, runId: string): string {
  return `${workflowsPath(clusterId)}/runs/${encodeURIComponent(runId)}`;
}

import type { PlannedCommand } from "@/lib/workflows/types";

/** Commands exactly as they will be sent, host by host, marked by whether they change anything. */
export function PlannedCommands({ commands, label }: { commands: readonly PlannedCommand[]; label: string }) {
  if (commands.length === 0) return null;
  return (
    <ul className="wf-commands" aria-label={label}>
      {commands.map((c, i) => (
        <li key={`${i}-${c.host}-${c.name}`} className="wf-command" data-read-only={String(c.readOnly)}>
          <span className="wf-host">{c.host}</span>
          <code className="wf-line">{c.line}</code>
          <span className="wf-effect" title={`registry command ${c.name}`}>
            {c.readOnly ? "reads" : "changes"}
          </span>
        </li>
      ))}
    </ul>
  );
}

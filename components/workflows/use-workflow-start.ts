import { useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useRef, useState, useTransition } from "react";
import { previewWorkflow, startWorkflow } from "@/app/(console)/clusters/[clusterId]/workflows/actions";
import { runPath } from "@/components/workflows/paths";
import type { ActionError } from "@/lib/action-result";
import { runsKey } from "@/lib/queries/workflows";
import { WorkflowParams } from "@/lib/workflows/params";
import type { Plan, WorkflowKind } from "@/lib/workflows/types";

export interface StartChoice {
  overrides: { guard: string; reason: string }[];
  acknowledged: boolean;
}

export interface WorkflowStart {
  plan: Plan | null;
  /** changes with every new plan, so the plan's own choices (acknowledgement, overrides) start afresh */
  planKey: number;
  previewedAt: number | null;
  previewing: boolean;
  starting: boolean;
  previewError: ActionError | null;
  startError: ActionError | null;
  /** by parameter name, from the same schema the server checks */
  fieldErrors: Record<string, string[]>;
  preview: (params: Record<string, unknown>) => void;
  start: (choice: StartChoice) => void;
  /** forget the plan: the form changed, so it no longer describes what Start would do */
  discard: () => void;
}

function issuesByField(issues: readonly { path: readonly PropertyKey[]; message: string }[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of issues) (out[issue.path.map(String).join(".") || "_"] ??= []).push(issue.message);
  return out;
}

/** "params.host" from the server's StartInput check is the form's "host". */
function paramErrors(error: ActionError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, messages] of Object.entries(error.fieldErrors ?? {})) {
    if (key.startsWith("params.")) out[key.slice("params.".length)] = messages;
  }
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Preview a workflow with the form's parameters, then start exactly what was previewed. */
export function useWorkflowStart(clusterId: string, kind: WorkflowKind): WorkflowStart {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [previewed, setPreviewed] = useState<{ plan: Plan; params: Record<string, unknown>; key: number; at: number } | null>(null);
  const [previewError, setPreviewError] = useState<ActionError | null>(null);
  const [startError, setStartError] = useState<ActionError | null>(null);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string[]>>({});
  const [previewing, startPreviewing] = useTransition();
  const [starting, startStarting] = useTransition();
  // answers to an older preview (the form changed since) are dropped
  const generation = useRef(0);

  function discard() {
    generation.current += 1;
    setPreviewed(null);
    setPreviewError(null);
    setStartError(null);
    setFieldErrors({});
  }

  /** a plan on screen stays there until the new one arrives ("check again" with the same form) */
  function preview(raw: Record<string, unknown>) {
    const mine = ++generation.current;
    setPreviewError(null);
    setStartError(null);
    const parsed = WorkflowParams[kind].safeParse(raw);
    if (!parsed.success) {
      setPreviewed(null);
      setFieldErrors(issuesByField(parsed.error.issues));
      return;
    }
    setFieldErrors({});
    const params: Record<string, unknown> = { ...parsed.data };
    startPreviewing(async () => {
      const result = await previewWorkflow({ clusterId, kind, params });
      if (mine !== generation.current) return;
      if (result.ok) {
        const plan = result.data;
        // checking the same parameters again keeps the operator's acknowledgement and override reasons
        // unless the warnings changed
        setPreviewed((prev) => ({
          plan,
          params,
          at: Date.now(),
          key: prev && sameJson(prev.params, params) && sameJson(prev.plan.warnings, plan.warnings) ? prev.key : mine,
        }));
      } else {
        setPreviewed(null);
        setPreviewError(result.error);
        setFieldErrors(paramErrors(result.error));
      }
    });
  }

  function start(choice: StartChoice) {
    if (!previewed) return;
    const mine = generation.current;
    setStartError(null);
    startStarting(async () => {
      const result = await startWorkflow({ clusterId, kind, params: previewed.params, overrides: choice.overrides, acknowledged: choice.acknowledged });
      await queryClient.invalidateQueries({ queryKey: runsKey(clusterId) });
      if (result.ok) router.push(runPath(clusterId, result.data.runId));
      else if (mine === generation.current) setStartError(result.error);
    });
  }

  return {
    plan: previewed?.plan ?? null,
    planKey: previewed?.key ?? 0,
    previewedAt: previewed?.at ?? null,
    previewing,
    starting,
    previewError,
    startError,
    fieldErrors,
    preview,
    start,
    discard,
  };
}

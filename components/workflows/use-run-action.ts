import { useQueryClient } from "@tanstack/react-query";
import { useState, useTransition } from "react";
import type { ActionError, ActionResult } from "@/lib/action-result";
import { runsKey } from "@/lib/queries/workflows";

export interface RunAction {
  act: <I>(action: (input: I) => Promise<ActionResult<null>>, input: I, onDone?: () => void) => void;
  pending: boolean;
  error: ActionError | null;
}

/** Calls a run's server action, keeps its refusal for display, and refreshes the cluster's runs either way. */
export function useRunAction(clusterId: string): RunAction {
  const queryClient = useQueryClient();
  const [error, setError] = useState<ActionError | null>(null);
  const [pending, startTransition] = useTransition();
  function act<I>(action: (input: I) => Promise<ActionResult<null>>, input: I, onDone?: () => void) {
    setError(null);
    startTransition(async () => {
      const result = await action(input);
      if (result.ok) onDone?.();
      else setError(result.error);
      await queryClient.invalidateQueries({ queryKey: runsKey(clusterId) });
    });
  }
  return { act, pending, error };
}

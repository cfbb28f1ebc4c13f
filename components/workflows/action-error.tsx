import type { ActionError } from "@/lib/action-result";

/** An action's refusal: its message, and any field errors no form field shows itself. */
export function ActionErrorNote({ error, testId, shownFields = [] }: { error: ActionError | null; testId?: string; shownFields?: readonly string[] }) {
  if (!error) return null;
  const rest = Object.entries(error.fieldErrors ?? {}).filter(([key]) => !shownFields.includes(key));
  return (
    <div className="form-error" role="alert" data-testid={testId} data-code={error.code}>
      {error.message}
      {rest.length > 0 ? (
        <ul className="wf-field-errors">
          {rest.map(([key, messages]) => (
            <li key={key}>
              <span className="mono">{key}</span>: {messages.join("; ")}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function FieldErrors({ messages }: { messages: readonly string[] | undefined }) {
  if (!messages || messages.length === 0) return null;
  return (
    <>
      {messages.map((m) => (
        <span key={m} className="field-error">
          {m}
        </span>
      ))}
    </>
  );
}

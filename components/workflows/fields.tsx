import { type ReactNode, useId } from "react";
import { FieldErrors } from "@/components/workflows/action-error";

interface FieldProps {
  label: string;
  name: string;
  value: string;
  onChange: (value: string) => void;
  errors?: readonly string[];
  hint?: ReactNode;
}

interface ControlProps {
  id: string;
  "aria-describedby": string | undefined;
  "aria-invalid": boolean;
}

/** The label names only its control (hints and errors are descriptions), so getByLabel finds it exactly. */
function Field({ label, hint, errors, wide, control }: Pick<FieldProps, "label" | "hint" | "errors"> & { wide?: boolean; control: (p: ControlProps) => ReactNode }) {
  const id = useId();
  const invalid = Boolean(errors?.length);
  const described = [hint ? `${id}-hint` : null, invalid ? `${id}-errors` : null].filter(Boolean).join(" ");
  return (
    <div className={wide ? "wf-field wf-field-wide" : "wf-field"}>
      <label htmlFor={id}>{label}</label>
      {control({ id, "aria-describedby": described || undefined, "aria-invalid": invalid })}
      {hint ? (
        <span id={`${id}-hint`} className="wf-hint">
          {hint}
        </span>
      ) : null}
      {invalid ? (
        <span id={`${id}-errors`} className="wf-errors">
          <FieldErrors messages={errors} />
        </span>
      ) : null}
    </div>
  );
}

export function TextField({ placeholder, mono, ...p }: FieldProps & { placeholder?: string; mono?: boolean }) {
  return (
    <Field
      {...p}
      wide={mono}
      control={(c) => (
        <input
          {...c}
          name={p.name}
          value={p.value}
          placeholder={placeholder}
          className={mono ? "mono" : undefined}
          spellCheck={mono ? false : undefined}
          autoComplete="off"
          onChange={(e) => p.onChange(e.target.value)}
        />
      )}
    />
  );
}

export function NumberField({ min, max, placeholder, ...p }: FieldProps & { min: number; max: number; placeholder?: string }) {
  return (
    <Field
      {...p}
      control={(c) => (
        <input
          {...c}
          type="number"
          inputMode="numeric"
          name={p.name}
          value={p.value}
          min={min}
          max={max}
          step={1}
          placeholder={placeholder}
          onChange={(e) => p.onChange(e.target.value)}
        />
      )}
    />
  );
}

export function TextAreaField({ placeholder, ...p }: FieldProps & { placeholder?: string }) {
  return (
    <Field
      {...p}
      wide
      control={(c) => <textarea {...c} name={p.name} value={p.value} rows={2} maxLength={500} placeholder={placeholder} onChange={(e) => p.onChange(e.target.value)} />}
    />
  );
}

export function SelectField({ options, ...p }: FieldProps & { options: readonly { value: string; label: string }[] }) {
  return (
    <Field
      {...p}
      control={(c) => (
        <select {...c} name={p.name} value={p.value} onChange={(e) => p.onChange(e.target.value)}>
          {options.length === 0 ? <option value="">none in the inventory</option> : null}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    />
  );
}

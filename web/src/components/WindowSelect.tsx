import { useId } from "react";
import { timeframeLabel, type Timeframe } from "../lib/window";

export interface WindowSelectProps {
  value: Timeframe;
  options: readonly Timeframe[];
  onChange: (tf: Timeframe) => void;
  label?: string;
}

/** A labelled select of statistics windows. */
export function WindowSelect({ value, options, onChange, label = "Period" }: WindowSelectProps) {
  const id = useId();
  return (
    <div className="field field-inline">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as Timeframe)}>
        {options.map((tf) => (
          <option key={tf} value={tf}>
            {timeframeLabel(tf)}
          </option>
        ))}
      </select>
    </div>
  );
}

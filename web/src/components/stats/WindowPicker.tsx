import { useCallback, useEffect } from "react";
import { useSearchParams } from "react-router";
import {
  DEFAULT_WINDOW,
  WINDOWS,
  WINDOW_STORAGE_KEY,
  parseWindow,
  windowLabel,
  windowParam,
  windowShort,
  type Window,
} from "../../lib/stats";

function stored(): Window | null {
  try {
    return parseWindow(window.localStorage.getItem(WINDOW_STORAGE_KEY));
  } catch {
    return null;
  }
}

function store(w: Window) {
  try {
    window.localStorage.setItem(WINDOW_STORAGE_KEY, windowParam(w));
  } catch {
    /* private mode: the URL still holds it */
  }
}

/** The dashboard's window: `?days=` in the URL, else the one saved in localStorage, else 30 days. */
export function useStatsWindow(): [Window, (w: Window) => void] {
  const [params, setParams] = useSearchParams();
  const fromUrl = parseWindow(params.get("days"));
  const current = fromUrl ?? stored() ?? DEFAULT_WINDOW;

  // A window named in the URL (a shared link) becomes the saved default.
  useEffect(() => {
    if (fromUrl !== null) store(fromUrl);
  }, [fromUrl]);

  const set = useCallback(
    (w: Window) => {
      store(w);
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          next.set("days", windowParam(w));
          return next;
        },
        { replace: true },
      );
    },
    [setParams],
  );
  return [current, set];
}

export function WindowPicker({ value, onChange }: { value: Window; onChange: (w: Window) => void }) {
  return (
    <div className="toggle window-picker" role="group" aria-label="Time window of the statistics">
      {WINDOWS.map((w) => (
        <button
          key={String(w)}
          type="button"
          aria-pressed={value === w}
          title={windowLabel(w)}
          aria-label={windowLabel(w)}
          onClick={() => onChange(w)}
        >
          {windowShort(w)}
        </button>
      ))}
    </div>
  );
}

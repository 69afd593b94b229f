import { useCallback, useState } from "react";

/** State that survives reloads (column choices and the like); falls back to memory if storage is off. */
export function useLocalStorage<T>(key: string, initial: T): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    try {
      const stored = window.localStorage.getItem(key);
      return stored === null ? initial : (JSON.parse(stored) as T);
    } catch {
      return initial;
    }
  });
  const update = useCallback(
    (next: T) => {
      setValue(next);
      try {
        window.localStorage.setItem(key, JSON.stringify(next));
      } catch {
        // The choice still applies until the page is reloaded.
      }
    },
    [key],
  );
  return [value, update];
}

/** Loading one admin API resource in a component, with reloads (e.g. on a live update) that keep the old data shown. */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface AdminData<T> {
  readonly data: T | null;
  readonly error: string | null;
  readonly reload: () => void;
}

export function useAdminData<T>(load: () => Promise<T>, deps: readonly unknown[]): AdminData<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0);
  const reload = useCallback(() => {
    const mine = ++generation.current;
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(null);
      },
      (e: Error) => {
        if (mine === generation.current) setError(e.message);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(() => {
    setData(null);
    reload();
  }, [reload]);
  return { data, error, reload };
}

/** Calls `action` at most once per `ms` (trailing), for bursts of live updates. */
export function useThrottled(action: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(action);
  latest.current = action;
  useEffect(() => () => {
    if (timer.current) clearTimeout(timer.current);
  }, []);
  return useCallback(() => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      latest.current();
    }, ms);
  }, [ms]);
}

/**
 * Settings: the server's port, bind address, relay and registration, and start at login. Only changed fields
 * are sent; the server validates them (its config validation) and answers with a message per bad field, shown
 * under that field, and nothing is saved then. Settings that need a restart say so, with a restart button in
 * the desktop app.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { SettingName, SettingsResponse, SettingsUpdate, SettingsUpdateResponse } from '../../../core/http/admin/adminApiTypes.ts';
import { AdminApiError, type AdminClient } from '../api/adminClient.ts';
import { desktopBridge } from '../api/adminToken.ts';

interface FormState {
  port: string;
  bind_address: string;
  relay_url: string;
  relay_server_name: string;
  relay_secret: string;
  start_at_login: boolean;
  registration_enabled: boolean;
  registration_token: string;
}

function formOf(settings: SettingsResponse): FormState {
  const v = settings.values;
  return {
    port: String(v.port),
    bind_address: v.bind_address,
    relay_url: v.relay_url ?? '',
    relay_server_name: v.relay_server_name ?? '',
    relay_secret: '',
    start_at_login: v.start_at_login,
    registration_enabled: v.registration_enabled,
    registration_token: v.registration_token ?? '',
  };
}

/** What changed between the loaded settings and the form, as the API takes it. */
function changesOf(initial: FormState, form: FormState): SettingsUpdate {
  const update: Record<string, unknown> = {};
  const text = (value: string) => (value.trim() === '' ? null : value.trim());
  if (form.port !== initial.port) update.port = /^\d+$/.test(form.port.trim()) ? Number(form.port.trim()) : form.port;
  if (form.bind_address !== initial.bind_address) update.bind_address = form.bind_address.trim();
  if (form.relay_url !== initial.relay_url) update.relay_url = text(form.relay_url);
  if (form.relay_server_name !== initial.relay_server_name) update.relay_server_name = text(form.relay_server_name);
  if (form.relay_secret !== '') update.relay_secret = form.relay_secret;
  if (form.start_at_login !== initial.start_at_login) update.start_at_login = form.start_at_login;
  if (form.registration_enabled !== initial.registration_enabled) update.registration_enabled = form.registration_enabled;
  if (form.registration_token !== initial.registration_token) update.registration_token = text(form.registration_token);
  return update as SettingsUpdate;
}

export function SettingsPage({ client }: { client: AdminClient }) {
  const [settings, setSettings] = useState<SettingsResponse | null>(null);
  const [form, setForm] = useState<FormState | null>(null);
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [result, setResult] = useState<SettingsUpdateResponse | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    client.call('GET /settings').then(
      (loaded) => {
        setSettings(loaded);
        setForm(formOf(loaded));
      },
      (e: Error) => setLoadError(e.message),
    );
  }, [client]);

  if (loadError) return <p class="error">{loadError}</p>;
  if (!settings || !form) return <p class="muted">Loading…</p>;

  const initial = formOf(settings);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setForm({ ...form, [key]: value });
  const submit = async (e: Event) => {
    e.preventDefault();
    const update = changesOf(initial, form);
    if (Object.keys(update).length === 0) {
      setMessage('Nothing changed.');
      return;
    }
    setBusy(true);
    try {
      const saved = await client.call('PUT /settings', { body: update });
      setSettings(saved.settings);
      setForm(formOf(saved.settings));
      setErrors({});
      setResult(saved);
      setMessage('Saved.');
    } catch (error) {
      setResult(null);
      if (error instanceof AdminApiError) {
        setErrors(Object.keys(error.fieldErrors).length > 0 ? error.fieldErrors : { form: error.message });
        setMessage(null);
      } else {
        setErrors({ form: (error as Error).message });
      }
    } finally {
      setBusy(false);
    }
  };
  const field = (name: SettingName) => settings.fields[name];
  const bridge = desktopBridge();
  const pending = result?.restart_required.length ? result.restart_required : settings.pending_restart;

  return (
    <section>
      <h1>Settings</h1>
      {settings.config_file ? (
        <p class="muted small">Saved to {settings.config_file}</p>
      ) : (
        <p class="warning">This server was started without a config file, so settings can be seen but not saved.</p>
      )}
      <form onSubmit={submit} data-testid="settings-form" noValidate>
        <Field label="Port" name="port" note={field('port').note} error={errors.port}>
          <input id="port" name="port" inputMode="numeric" value={form.port} disabled={!field('port').editable} onInput={(e) => set('port', e.currentTarget.value)} />
        </Field>
        <Field label="Bind address" name="bind_address" note={field('bind_address').note} error={errors.bind_address}>
          <input id="bind_address" name="bind_address" value={form.bind_address} disabled={!field('bind_address').editable} onInput={(e) => set('bind_address', e.currentTarget.value)} />
        </Field>
        <Field label="Server name" name="server_name" note={field('server_name').note} error={errors.server_name}>
          <input id="server_name" name="server_name" value={settings.values.server_name} readOnly disabled />
        </Field>
        <fieldset>
          <legend>Relay</legend>
          <Field label="Relay URL" name="relay_url" note={field('relay_url').note} error={errors.relay_url}>
            <input id="relay_url" name="relay_url" placeholder="https://relay.example.net" value={form.relay_url} disabled={!field('relay_url').editable} onInput={(e) => set('relay_url', e.currentTarget.value)} />
          </Field>
          <Field label="Relay server name" name="relay_server_name" note={field('relay_server_name').note} error={errors.relay_server_name}>
            <input id="relay_server_name" name="relay_server_name" placeholder="relay.example.net" value={form.relay_server_name} disabled={!field('relay_server_name').editable} onInput={(e) => set('relay_server_name', e.currentTarget.value)} />
          </Field>
          <Field label="Relay secret" name="relay_secret" note={field('relay_secret').note} error={errors.relay_secret}>
            <input
              id="relay_secret"
              name="relay_secret"
              type="password"
              autoComplete="off"
              placeholder={settings.values.relay_secret_set ? '(unchanged)' : ''}
              value={form.relay_secret}
              disabled={!field('relay_secret').editable}
              onInput={(e) => set('relay_secret', e.currentTarget.value)}
            />
          </Field>
        </fieldset>
        <fieldset>
          <legend>Registration</legend>
          <Field label="Registration open" name="registration_enabled" note={field('registration_enabled').note} error={errors.registration_enabled}>
            <input id="registration_enabled" name="registration_enabled" type="checkbox" checked={form.registration_enabled} disabled={!field('registration_enabled').editable} onChange={(e) => set('registration_enabled', e.currentTarget.checked)} />
          </Field>
          <Field label="Registration token" name="registration_token" note={field('registration_token').note} error={errors.registration_token}>
            <input id="registration_token" name="registration_token" value={form.registration_token} disabled={!field('registration_token').editable} onInput={(e) => set('registration_token', e.currentTarget.value)} />
          </Field>
        </fieldset>
        <Field label="Start at login" name="start_at_login" note={field('start_at_login').note} error={errors.start_at_login}>
          <input id="start_at_login" name="start_at_login" type="checkbox" checked={form.start_at_login} disabled={!field('start_at_login').editable} onChange={(e) => set('start_at_login', e.currentTarget.checked)} />
        </Field>
        {errors.form ? <p class="error" data-testid="form-error">{errors.form}</p> : null}
        <button type="submit" disabled={busy} data-testid="settings-save">
          Save
        </button>{' '}
        {message ? <span data-testid="settings-message">{message}</span> : null}
      </form>
      {pending.length > 0 ? (
        <p class="warning" data-testid="restart-required">
          Saved, but waiting for a restart: {pending.join(', ')}.{' '}
          {bridge ? (
            <button type="button" onClick={() => void bridge.restartServer()}>
              Restart the server now
            </button>
          ) : (
            'Restart the server (npm run server -- serve …) to apply.'
          )}
        </p>
      ) : null}
    </section>
  );
}

function Field(props: { label: string; name: string; note: string | null; error: string | undefined; children: ComponentChildren }) {
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={props.name}>{props.label}</label>
      {props.children}
      {props.error ? (
        <div class="error" data-testid={`error-${props.name}`} role="alert">
          {props.error}
        </div>
      ) : null}
      {props.note ? <div class="muted small">{props.note}</div> : null}
    </div>
  );
}

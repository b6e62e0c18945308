/**
 * The first-run form, shown by the desktop app before the server has an owner: the server name (only on the
 * very first start: it can never change afterwards), the owner's username and password. It talks to the main
 * process through the preload bridge, not to the admin API: the account is created before the UI opens.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { FirstRunInfo } from '../../core/http/admin/desktopBridgeTypes.ts';
import { desktopBridge } from './api/adminToken.ts';
import './styles.css';

function Setup() {
  const bridge = desktopBridge();
  const [info, setInfo] = useState<FirstRunInfo | null>(null);
  const [serverName, setServerName] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    bridge?.firstRun.info().then((loaded) => {
      setInfo(loaded);
      setServerName(loaded.fixed_server_name ?? loaded.suggested_server_name);
      setUsername(loaded.suggested_username);
    });
  }, []);

  if (!bridge) return <p>The first start happens in the desktop app.</p>;
  if (!info) return <p class="muted">Loading…</p>;

  const submit = async (e: Event) => {
    e.preventDefault();
    if (password !== confirm) {
      setErrors({ confirm: 'The passwords differ.' });
      return;
    }
    setBusy(true);
    const result = await bridge.firstRun.submit({ server_name: serverName.trim(), username: username.trim(), password });
    setBusy(false);
    if (!result.ok) setErrors({ [result.field ?? 'form']: result.error });
  };
  const error = (name: string) => (errors[name] ? <div class="error" data-testid={`error-${name}`}>{errors[name]}</div> : null);

  return (
    <form class="setup" onSubmit={submit} noValidate>
      <h1>Welcome to Hearth</h1>
      <p>Your own Matrix homeserver runs on this computer. Choose its name and your account.</p>
      <div class="field">
        <label for="server_name">Server name</label>
        <input id="server_name" value={serverName} disabled={info.fixed_server_name !== null} onInput={(e) => setServerName(e.currentTarget.value)} />
        {error('server_name')}
        <div class="muted small">Your user ID will be @{username || 'you'}:{serverName || '…'}. It cannot be changed later.</div>
      </div>
      <div class="field">
        <label for="username">Username</label>
        <input id="username" value={username} autoComplete="username" onInput={(e) => setUsername(e.currentTarget.value)} />
        {error('username')}
      </div>
      <div class="field">
        <label for="password">Password</label>
        <input id="password" type="password" autoComplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        {error('password')}
      </div>
      <div class="field">
        <label for="confirm">Password again</label>
        <input id="confirm" type="password" autoComplete="new-password" value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} />
        {error('confirm')}
      </div>
      {error('form')}
      <button type="submit" disabled={busy}>
        Create my account
      </button>
    </form>
  );
}

render(<Setup />, document.getElementById('app')!);

/** The renderer's entry point: finds the admin token (preload bridge or URL) and shows the app. */
import { render } from 'preact';
import { App, MissingToken } from './app.tsx';
import { findAdminToken } from './api/adminToken.ts';
import './styles.css';

const token = findAdminToken();
render(token ? <App token={token} /> : <MissingToken />, document.getElementById('app')!);

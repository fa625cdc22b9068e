import { mount } from 'svelte';
import App from './App.svelte';
import { createApi } from './lib/api.ts';
import { AppState, APP_CONTEXT } from './lib/app-state.svelte.ts';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html lacks #app');
const app = new AppState(createApi());
mount(App, { target, context: new Map([[APP_CONTEXT, app]]) });
void app.load();

#!/usr/bin/env node
// `pnpm translate <command>` at the repository root (see run-source.js).
import { runSource } from './run-source.js';

runSource('apps/translate/src/cli/main.ts');

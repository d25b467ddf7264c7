#!/usr/bin/env node
// `pnpm sentiment <command>` at the repository root (see run-source.js).
import { runSource } from './run-source.js';

runSource('apps/sentiment/src/cli/main.ts');

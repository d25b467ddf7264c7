// Node test setup: point the Vulkan loader at SwiftShader when no ICD was chosen and
// Debian's chromium ships one (CI machines have no GPU). Must run before Dawn starts.
import { existsSync } from 'node:fs';
import { SWIFTSHADER_ICD } from '../../../tools/browser/chromium.ts';

if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;

// Test helper (not exported): backends for the tests.
import '@cellstate/backend-cpu';
import { registerBackend, setBackend } from '@cellstate/tensor';
import { createReferenceBackend } from '@cellstate/tensor/testing';

export async function useBackend(name: 'reference' | 'cpu') {
  registerBackend('reference', () => createReferenceBackend(), { priority: -1, autoSelect: false });
  return setBackend(name);
}

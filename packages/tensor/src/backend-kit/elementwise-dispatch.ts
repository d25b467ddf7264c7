import type { Handle } from '../backend/handle.js';
import type { BinaryOpName, CompareOpName, UnaryOpName } from '../backend/primitive-ops.js';

/**
 * The Backend contract's fifteen elementwise methods (neg … abs, add … equal) routed
 * to two: a backend extends this class and implements `unaryOp` and `binaryOp` once,
 * dispatching on the op name, instead of writing each method out. `where` is not
 * included (three operands).
 *
 * @example
 * ```ts
 * import { ElementwiseDispatch } from '@cellstate/tensor/backend-kit';
 * class MyBackend extends ElementwiseDispatch implements Backend {
 *   protected unaryOp(op: UnaryOpName, x: Handle): Handle {
 *     return this.#run(op, [x]);
 *   }
 *   protected binaryOp(op: BinaryOpName | CompareOpName, a: Handle, b: Handle): Handle {
 *     return this.#run(op, [a, b]); // compares return float32 0 / 1
 *   }
 *   // ... the rest of the Backend contract
 * }
 * ```
 */
export abstract class ElementwiseDispatch {
  /** out = op(x), x's shape and dtype. */
  protected abstract unaryOp(op: UnaryOpName, x: Handle): Handle;
  /** out = op(a, b) broadcast; a's dtype for arithmetic, float32 for compares. */
  protected abstract binaryOp(op: BinaryOpName | CompareOpName, a: Handle, b: Handle): Handle;

  neg(x: Handle): Handle {
    return this.unaryOp('neg', x);
  }
  exp(x: Handle): Handle {
    return this.unaryOp('exp', x);
  }
  log(x: Handle): Handle {
    return this.unaryOp('log', x);
  }
  sqrt(x: Handle): Handle {
    return this.unaryOp('sqrt', x);
  }
  tanh(x: Handle): Handle {
    return this.unaryOp('tanh', x);
  }
  sigmoid(x: Handle): Handle {
    return this.unaryOp('sigmoid', x);
  }
  relu(x: Handle): Handle {
    return this.unaryOp('relu', x);
  }
  abs(x: Handle): Handle {
    return this.unaryOp('abs', x);
  }

  add(a: Handle, b: Handle): Handle {
    return this.binaryOp('add', a, b);
  }
  sub(a: Handle, b: Handle): Handle {
    return this.binaryOp('sub', a, b);
  }
  mul(a: Handle, b: Handle): Handle {
    return this.binaryOp('mul', a, b);
  }
  div(a: Handle, b: Handle): Handle {
    return this.binaryOp('div', a, b);
  }
  maximum(a: Handle, b: Handle): Handle {
    return this.binaryOp('maximum', a, b);
  }
  greater(a: Handle, b: Handle): Handle {
    return this.binaryOp('greater', a, b);
  }
  equal(a: Handle, b: Handle): Handle {
    return this.binaryOp('equal', a, b);
  }
}

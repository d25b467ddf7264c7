/** A tensor shape: non-negative integer sizes, outermost first (row-major). */
// Its own file so the backend kit (which shape.ts re-exports from) can name it without
// importing shape.ts back: no import loop.
export type Shape = readonly number[];

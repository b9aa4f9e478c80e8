// The engine's word lists, read from the core once per engine: the methods a
// webhook may use and the problem-code registry. Callers get fresh copies.

/** The vocabulary methods of the engine over the Emscripten module `Module`. */
export function vocabularyMethods(Module) {
  let methods;
  let problemCodes;
  return {
    methods() {
      methods ??= Object.freeze(JSON.parse(Module.methods()));
      return [...methods];
    },

    problemCodes() {
      problemCodes ??= Object.freeze(JSON.parse(Module.problem_codes()).map((c) => Object.freeze(c)));
      return problemCodes.map((c) => ({ ...c }));
    },
  };
}

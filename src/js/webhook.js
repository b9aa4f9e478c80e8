// Webhooks: validate, list variables, render (once or compiled for many),
// the curl and table views and the whole preview. The rules are the core's
// (src/core/webhook.hpp, render.hpp, preview_api.hpp); this file checks the
// JS-only misuse and turns answers into results.

import { HookcastError } from './errors.js';
import {
  describe,
  encode,
  encodeOptions,
  outputText,
  PACKED,
  SPEC_OPTIONS,
  unpack,
  unpackAll,
  unserialisable,
  writeTexts,
} from './marshal.js';

/** The webhook methods of the engine over the Emscripten module `Module`. */
export function webhookMethods(Module) {
  // Frees handles of compiled webhooks that were collected without dispose().
  // workerd has FinalizationRegistry only from compatibility date 2025-05-05
  // (or with the enable_weak_ref flag); without it, compiled webhooks live
  // until dispose().
  const finalizer =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry((handle) => Module.release(handle))
      : undefined;

  // The compiled fast path skips Embind: the context JSON is encoded straight
  // into the core's input buffer in wasm memory, and the packed answer (see
  // marshal.js) is decoded with one TextDecoder call.
  function callPacked(batch, handle, json) {
    const [written] = writeTexts(Module, [json]);
    return outputText(
      Module,
      batch
        ? Module._hc_render_batch_packed(handle, written)
        : Module._hc_render_packed(handle, written),
    );
  }

  // A batch call the core refused as a whole (the contexts are not a JSON
  // array, the handle is gone): the contract answers one result per context,
  // so this is misuse and throws, as renderBatch does for a non-array.
  function batchFailed(method, answer) {
    const code = answer.problems[0]?.code === 'invalid_handle' ? 'disposed' : 'invalid_contexts';
    throw new HookcastError(
      code,
      `webhook.${method}(): ${describe(answer.problems)}`,
      answer.problems,
    );
  }

  function renderCompiled(handle, layout, context) {
    const contextJson = encode(context);
    if (contextJson === undefined) return unserialisable('context', 'context');
    const fields = callPacked(false, handle, contextJson).split('\0');
    return unpack(layout, fields, 0, []);
  }

  function renderBatch(handle, layout, contexts) {
    if (!Array.isArray(contexts)) {
      throw new HookcastError(
        'invalid_contexts',
        'renderBatch(contexts): contexts must be an array of contexts',
      );
    }
    const failed = (answer) => batchFailed('renderBatch', answer);
    const contextsJson = encode(contexts);
    if (contextsJson !== undefined)
      return unpackAll(layout, callPacked(true, handle, contextsJson), failed);
    // Some context cannot be JSON: answer it alone, batch the others.
    const texts = contexts.map(encode);
    const sendable = texts.filter((t) => t !== undefined);
    const rendered = unpackAll(layout, callPacked(true, handle, `[${sendable.join(',')}]`), failed);
    let next = 0;
    return texts.map((t, i) =>
      t === undefined ? unserialisable(`contexts[${i}]`, 'context') : rendered[next++],
    );
  }

  class CompiledWebhook {
    #handle;
    #disposed = false;
    #layout;

    constructor(handle, layout) {
      this.#handle = handle;
      this.#layout = layout;
      finalizer?.register(this, handle, this);
    }

    #live(method) {
      if (this.#disposed) {
        throw new HookcastError(
          'disposed',
          `webhook.${method}(): this compiled webhook was disposed; compile the spec again to use it`,
        );
      }
      return this.#handle;
    }

    render(context) {
      return renderCompiled(this.#live('render'), this.#layout, context);
    }

    renderBatch(contexts) {
      return renderBatch(this.#live('renderBatch'), this.#layout, contexts);
    }

    // renderBatch for contexts that are JSON text already (stored columns
    // pasted into one array): no JSON.parse / JSON.stringify round trip.
    renderBatchJson(contextsJson) {
      const handle = this.#live('renderBatchJson');
      if (typeof contextsJson !== 'string') {
        throw new HookcastError(
          'invalid_contexts',
          'renderBatchJson(contextsJson): contextsJson must be the JSON text of an array of contexts',
        );
      }
      return unpackAll(this.#layout, callPacked(true, handle, contextsJson), (answer) =>
        batchFailed('renderBatchJson', answer),
      );
    }

    // Which variables the contexts (JSON text of an array) leave empty, per
    // variable: the audience check's fallback counts.
    fallbackCountsJson(contextsJson) {
      const handle = this.#live('fallbackCountsJson');
      if (typeof contextsJson !== 'string') {
        throw new HookcastError(
          'invalid_contexts',
          'fallbackCountsJson(contextsJson): contextsJson must be the JSON text of an array of contexts',
        );
      }
      const [written] = writeTexts(Module, [contextsJson]);
      const result = JSON.parse(outputText(Module, Module._hc_fallback_counts(handle, written)));
      if (!result.ok) {
        const code =
          result.problems[0]?.code === 'invalid_handle' ? 'disposed' : 'invalid_contexts';
        throw new HookcastError(
          code,
          `webhook.fallbackCountsJson(): ${describe(result.problems)}`,
          result.problems,
        );
      }
      return result.variables;
    }

    dispose() {
      if (this.#disposed) return;
      this.#disposed = true;
      finalizer?.unregister(this);
      Module.release(this.#handle);
    }
  }

  // toCurl/toTable: the contract returns the view itself, so a request the
  // core refuses becomes a thrown HookcastError("invalid_request").
  function view(fn, name, request) {
    const requestJson = encode(request);
    if (requestJson === undefined) {
      throw new HookcastError('invalid_request', `${name}: the request cannot be written as JSON`);
    }
    const result = JSON.parse(fn(requestJson));
    if (!result.ok) {
      throw new HookcastError(
        'invalid_request',
        `${name}: ${describe(result.problems)}`,
        result.problems,
      );
    }
    return result;
  }

  return {
    validate(spec, options) {
      const specJson = encode(spec);
      if (specJson === undefined) return unserialisable('', 'webhook spec');
      return JSON.parse(
        Module.validate(specJson, encodeOptions(options, 'validate', SPEC_OPTIONS)),
      );
    },

    variables(spec) {
      const specJson = encode(spec);
      return specJson === undefined ? [] : JSON.parse(Module.variables(specJson));
    },

    render(spec, context, options) {
      const specJson = encode(spec);
      if (specJson === undefined) return unserialisable('', 'webhook spec');
      const contextJson = encode(context);
      if (contextJson === undefined) return unserialisable('context', 'context');
      // One call, answered in the packed format, so a one-off render and a
      // compiled one build their results in one place (marshal.js unpack).
      const lengths = writeTexts(Module, [
        specJson,
        contextJson,
        encodeOptions(options, 'render', SPEC_OPTIONS),
      ]);
      const fields = outputText(Module, Module._hc_render_once(...lengths)).split('\0');
      if (fields[0] === PACKED.failed) return JSON.parse(fields[1]);
      return unpack(JSON.parse(fields[0]), fields, 1, []);
    },

    compile(spec, options) {
      const specJson = encode(spec);
      if (specJson === undefined) return unserialisable('', 'webhook spec');
      const result = JSON.parse(
        Module.compile(specJson, encodeOptions(options, 'compile', SPEC_OPTIONS)),
      );
      if (!result.ok) return result;
      return { ok: true, webhook: new CompiledWebhook(result.handle, result.layout) };
    },

    toCurl(request) {
      return view(Module.to_curl, 'toCurl', request).curl;
    },

    toTable(request) {
      return view(Module.to_table, 'toTable', request).rows;
    },

    preview(spec, context, options) {
      const specJson = encode(spec);
      if (specJson === undefined)
        return { ...unserialisable('', 'webhook spec'), request: null, curl: null, table: null };
      const contextJson = encode(context);
      if (contextJson === undefined)
        return { ...unserialisable('context', 'context'), request: null, curl: null, table: null };
      return JSON.parse(
        Module.preview(specJson, contextJson, encodeOptions(options, 'preview', SPEC_OPTIONS)),
      );
    },

    checkDestination(url, options) {
      encodeOptions(options, 'checkDestination', SPEC_OPTIONS);
      if (typeof url !== 'string') {
        const message = `The URL must be a text, not ${url === null ? 'null' : typeof url}.`;
        return {
          ok: false,
          problems: [{ field: 'url', code: 'invalid_type', message, severity: 'error' }],
        };
      }
      // Straight into wasm memory, as the compiled render does: an accepted
      // URL (nearly every retry) answers 0 and crosses no string back.
      const [written] = writeTexts(Module, [url]);
      if (Module._hc_check_destination(written, options?.allowLocalHttp === true ? 1 : 0) === 0)
        return { ok: true, problems: [] };
      return JSON.parse(outputText(Module, Module._hc_output_text()));
    },
  };
}

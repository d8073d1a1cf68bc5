/**
 * A second instance of the real API, for scenarios that need other settings than the shared
 * one (`APP_ROLE=all` with the worker in process, an embeddings provider): started through
 * `ctx.startReference` with `env`, so it is stopped with the scenario's references.
 */
import '../../src/main';

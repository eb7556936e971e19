"""Pure computation, by domain: data rules (data/), the model (model/), the decision (decision/); and the shared homes: schema, settings, words, stats, errors."""

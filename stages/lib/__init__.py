"""Pure computation by domain: data rules (data/), the model (model/), the decision (decision/); shared homes."""

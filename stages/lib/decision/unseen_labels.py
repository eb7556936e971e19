"""A new month's unseen category labels: kept as written for the reader, missing for the model.

`score` sets an unseen label aside when it types the cells (`cell_rules.soft_cells`) and the model imputes
it (`scoring.score_tables`). The customer's row keeps the label as the shop wrote it («Спорт и отдых»), so
the partitions, the drift counts and the action list name it (`written_back`); wherever the model or its
explanation reads such rows again, `model_view` makes the label missing once more, so the probability and
the SHAP values are those of the imputed cell. A label is unseen exactly when it is none of the schema's
labels of its column: a label written like one of them ("yes" for «Разрешить сообщать») stays missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stages.lib.schema import BINARY_FEATURES, ID, MARKET_FILE, NOMINAL_FEATURES

CATEGORIES = (*BINARY_FEATURES, *NOMINAL_FEATURES)
KNOWN = {name: frozenset(MARKET_FILE.column(name).labels.values()) for name in CATEGORIES}


def written_back(customers: pd.DataFrame, odd: pd.DataFrame) -> pd.DataFrame:
    """``customers`` (id and features, an imputed cell missing) with each unseen category label set back as
    written. ``odd``: per id, the cells `soft_cells` set aside ("" empty, else the unseen label; missing where
    kept). Empty cells stay missing; the model's input is not this frame."""
    customers = customers.copy()
    for name in CATEGORIES:
        if name not in odd or name not in customers:
            continue
        written = odd[name].dropna().astype(object)
        written = written[(written != "") & ~written.isin(KNOWN[name])]
        if written.empty:
            continue
        labels = written.reindex(customers[ID].to_numpy()).to_numpy(dtype=object)
        hit = pd.notna(labels)
        column = customers[name].astype(object)
        column[hit] = labels[hit]
        customers[name] = column
    return customers


def model_view(customers: pd.DataFrame) -> pd.DataFrame:
    """``customers`` as the model saw them when it scored them: each category cell that holds none of the
    schema's labels (an unseen label kept as written) missing again, as NaN (a parquet file gives back None,
    which scikit-learn's imputer would not impute)."""
    view = customers.copy()
    for name in CATEGORIES:
        if name in view:
            column = view[name].astype(object)
            view[name] = column.where(column.isin(KNOWN[name]), np.nan)
    return view

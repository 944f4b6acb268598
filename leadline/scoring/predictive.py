"""The predictive score: a class-balanced logistic regression trained on the workspace's own history
(who became a customer, from what they looked like and did before), checked on a holdout, stored
with its version, and used to give each open contact a likelihood of buying with its top reasons.

Reasons are exact for a linear model: each feature's contribution to the log-odds is its weight
times how far the contact's value lies from the average contact's, so they add up to the score.
"""

from __future__ import annotations

import io
import logging
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from leadline.contacts.models import Contact
from leadline.scoring.models import ContactPrediction, PredictiveModel, PredictiveState
from leadline.scoring.predictive_features import (
    CATEGORICAL,
    CUSTOMER_STAGES,
    FEATURE_LABELS,
    FEATURES,
    MATURITY_DAYS,
    NUMERIC,
    History,
    describe,
    engagement_first_seen,
    feature_rows,
    history_load,
    signed_log,
)

logger = logging.getLogger(__name__)

MIN_CUSTOMERS = 20
# A count unknown for more than this share of customers is left out of the model.
MAX_UNKNOWN_SHARE = 0.2
MIN_NON_CUSTOMERS = 50
# Beyond this many contacts per class a bigger sample adds time, not accuracy.
MAX_PER_CLASS = 20_000
HOLDOUT_SHARE = 0.25
BATCH_SIZE = 1000
REASONS_FOR, REASONS_AGAINST = 3, 2
# Contributions smaller than this (in log-odds) are too small to be called a reason.
MIN_REASON_WEIGHT = 0.05
KEEP_ARTIFACTS = 3
RANDOM_STATE = 0


# --- Fitting ------------------------------------------------------------------------------------


def build_pipeline() -> Any:
    """One-hot for the categorical features, a signed log and scaling for the counts, then a
    class-balanced logistic regression. One transformer per feature so that each feature's
    columns can be found again when explaining a prediction."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    transformers: list[tuple[str, Any, list[int]]] = []
    for index, name in enumerate(FEATURES):
        if name in CATEGORICAL:
            encoder: Any = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=3)
        else:
            encoder = Pipeline(
                [
                    ("log", FunctionTransformer(signed_log)),
                    # Training settles unknown values first (see `settle_unknowns`); this is a safety net.
                    ("missing", SimpleImputer(strategy="mean", keep_empty_features=True)),
                    ("scale", StandardScaler()),
                ]
            )
        transformers.append((name, encoder, [index]))
    return Pipeline(
        [
            ("features", ColumnTransformer(transformers, sparse_threshold=0.0)),
            ("model", LogisticRegression(class_weight="balanced", max_iter=2000, random_state=RANDOM_STATE)),
        ]
    )


def matrix(rows: Sequence[dict[str, Any]], left_out: Sequence[str] = ()) -> Any:
    """The rows as the pipeline takes them; features `left_out` of the model are a constant 0."""
    import numpy as np

    array = np.empty((len(rows), len(FEATURES)), dtype=object)
    for i, row in enumerate(rows):
        for j, name in enumerate(FEATURES):
            value = 0.0 if name in left_out else row[name]
            if name in NUMERIC:
                array[i, j] = math.nan if value is None else float(value)
            else:
                array[i, j] = str(value)
    return array


@dataclass
class Fitted:
    """What a stored model holds: the pipeline, the average transformed contact, the base rate and
    the features the history could not teach (see `settle_unknowns`)."""

    pipeline: Any
    means: Any
    base_rate: float
    left_out: tuple[str, ...] = ()

    def contributions(self, x: Any) -> tuple[Any, Any]:
        """(log-odds per contact, contribution of each feature per contact)."""
        import numpy as np

        columns = self.pipeline.named_steps["features"]
        regression = self.pipeline.named_steps["model"]
        transformed = np.asarray(columns.transform(x), dtype=float)
        weights = regression.coef_[0]
        weighted = (transformed - self.means) * weights
        per_feature = np.zeros((transformed.shape[0], len(FEATURES)))
        for j, name in enumerate(FEATURES):
            per_feature[:, j] = weighted[:, columns.output_indices_[name]].sum(axis=1)
        # Balanced classes train as if half the leads bought; shift back to the real share.
        prior = math.log(self.base_rate / (1 - self.base_rate))
        logits = regression.intercept_[0] + transformed @ weights + prior
        return logits, per_feature

    def probabilities(self, x: Any) -> Any:
        import numpy as np

        logits, _ = self.contributions(x)
        return 1 / (1 + np.exp(-logits))


def fit(x: Any, y: Any, base_rate: float, left_out: Sequence[str] = ()) -> Fitted:
    import numpy as np

    pipeline = build_pipeline()
    pipeline.fit(x, y)
    means = np.asarray(pipeline.named_steps["features"].transform(x), dtype=float).mean(axis=0)
    return Fitted(pipeline=pipeline, means=means, base_rate=base_rate, left_out=tuple(left_out))


def settle_unknowns(
    rows: list[dict[str, Any]], labels: list[int]
) -> tuple[list[dict[str, Any]], list[int], list[str]]:
    """Decide what to do with counts that were unknown when a customer bought (tracking began later).

    Unknowns only ever happen to customers, so filling them in would teach the model that being
    unknown means buying. A count unknown for more than a few customers is left out of the model;
    the few customers with an unknown count that stays in are left out of the training instead.
    """
    customers = [row for row, label in zip(rows, labels, strict=True) if label]
    left_out = [
        name
        for name in NUMERIC
        if customers and sum(row[name] is None for row in customers) / len(customers) > MAX_UNKNOWN_SHARE
    ]
    kept = [
        (row, label)
        for row, label in zip(rows, labels, strict=True)
        if all(row[name] is not None for name in NUMERIC if name not in left_out)
    ]
    if sum(label for _, label in kept) < MIN_CUSTOMERS:
        # Too few customers were fully watched: learn from who they are alone.
        left_out = [name for name in NUMERIC if any(row[name] is None for row in customers)]
        kept = list(zip(rows, labels, strict=True))
    return [row for row, _ in kept], [label for _, label in kept], left_out


def holdout_auc(x: Any, y: Any, base_rate: float) -> tuple[float, int, int]:
    """Fit on 75% and measure on the 25% the model never saw: (AUC, train size, holdout size)."""
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=HOLDOUT_SHARE, stratify=y, random_state=RANDOM_STATE
    )
    fitted = fit(x_train, y_train, base_rate)
    auc = float(roc_auc_score(y_test, fitted.probabilities(x_test)))
    return auc, len(y_train), len(y_test)


def _drivers(fitted: Fitted, x: Any) -> list[dict[str, Any]]:
    import numpy as np

    _, contributions = fitted.contributions(x)
    strength = np.abs(contributions).mean(axis=0)
    order = np.argsort(-strength)
    return [
        {"feature": FEATURES[j], "label": FEATURE_LABELS[FEATURES[j]], "weight": round(float(strength[j]), 3)}
        for j in order[:6]
        if strength[j] >= MIN_REASON_WEIGHT
    ]


def _serialise(fitted: Fitted) -> bytes:
    import joblib

    buffer = io.BytesIO()
    joblib.dump(
        {
            "pipeline": fitted.pipeline,
            "means": fitted.means,
            "base_rate": fitted.base_rate,
            "left_out": fitted.left_out,
        },
        buffer,
    )
    return buffer.getvalue()


_LOADED: dict[Any, Fitted] = {}


def model_load(model: PredictiveModel) -> Fitted | None:
    """The fitted pipeline of a stored model (cached per process). The bytes are only ever written
    by `predictive_train` in this database, never taken from users."""
    if model.public_id in _LOADED:
        return _LOADED[model.public_id]
    import joblib

    artifact = PredictiveModel.objects.filter(pk=model.pk).values_list("artifact", flat=True).first()
    if not artifact:
        return None
    try:
        stored = joblib.load(io.BytesIO(bytes(artifact)))
    except Exception:
        # A model pickled by another library version may not load: the next training replaces it.
        logger.exception("Could not load predictive model v%s", model.version)
        return None
    fitted = Fitted(
        pipeline=stored["pipeline"],
        means=stored["means"],
        base_rate=stored["base_rate"],
        left_out=tuple(stored.get("left_out", ())),
    )
    _LOADED.clear()
    _LOADED[model.public_id] = fitted
    return fitted


# --- Training -----------------------------------------------------------------------------------


def _sample(ids: Sequence[int], limit: int) -> list[int]:
    ids = sorted(ids)
    return ids if len(ids) <= limit else sorted(random.Random(RANDOM_STATE).sample(ids, limit))


def _labelled_rows(
    history: History, positives: Sequence[int], negatives: Sequence[int]
) -> tuple[list[dict[str, Any]], list[int]]:
    labelled = [(pk, 1) for pk in positives] + [(pk, 0) for pk in negatives]
    first_seen = engagement_first_seen()
    rows: list[dict[str, Any]] = []
    labels: list[int] = []
    for start in range(0, len(labelled), BATCH_SIZE):
        batch = labelled[start : start + BATCH_SIZE]
        contacts = Contact.objects.select_related("company").in_bulk([pk for pk, _ in batch])
        found = [(contacts[pk], label) for pk, label in batch if pk in contacts]
        cutoffs = {
            contact.pk: at
            for contact, label in found
            if label and (at := history.converted_at.get(contact.pk)) is not None
        }
        rows.extend(feature_rows([contact for contact, _ in found], cutoffs, first_seen))
        labels.extend(label for _, label in found)
    return rows, labels


def _next_version() -> int:
    return (PredictiveModel.objects.aggregate(top=Max("version"))["top"] or 0) + 1


def _store(**fields: Any) -> PredictiveModel:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return PredictiveModel.objects.create(version=_next_version(), **fields)
        except IntegrityError:
            continue  # another training stored the same version a moment earlier
    return PredictiveModel.objects.create(version=_next_version(), **fields)


def not_enough_message(customers: int, non_customers: int) -> str:
    missing = []
    if customers < MIN_CUSTOMERS:
        missing.append(f"{customers:,} customer{'' if customers == 1 else 's'}, need {MIN_CUSTOMERS}")
    if non_customers < MIN_NON_CUSTOMERS:
        missing.append(
            f"{non_customers:,} lead{'' if non_customers == 1 else 's'} older than {MATURITY_DAYS} days "
            f"that did not buy, need {MIN_NON_CUSTOMERS}"
        )
    return "Not enough history yet: " + "; ".join(missing) + "."


def _trained_message(contacts: int, auc: float, holdout: int, left_out: Sequence[str]) -> str:
    message = f"Learned from {contacts:,} contacts; AUC {auc:.2f} on {holdout:,} it never saw."
    if left_out:
        names = ", ".join(FEATURE_LABELS[name].lower() for name in left_out)
        message += f" Left out, as they were not recorded before most customers bought: {names}."
    return message


def predictive_train(
    *, actor: Any = None, now: datetime | None = None, rescore: bool = True
) -> PredictiveModel:
    """Train a new model from the history, or record plainly that there is too little of it.

    With enough history, the new model scores every open contact right away (`rescore`)."""
    import numpy as np
    import sklearn

    now = now or timezone.now()
    history = history_load(now=now)
    counts = {"customers": history.customers, "non_customers": history.non_customers}
    trained_by = actor if getattr(actor, "pk", None) else None
    if history.customers < MIN_CUSTOMERS or history.non_customers < MIN_NON_CUSTOMERS:
        message = not_enough_message(history.customers, history.non_customers)
        latest = PredictiveModel.objects.defer("artifact").order_by("-version").first()
        if latest is not None and latest.state == PredictiveState.NOT_ENOUGH_HISTORY:
            # One row says it however often training is tried, until the history has grown.
            latest.trained_at, latest.trained_by, latest.message = now, trained_by, message
            latest.customers, latest.non_customers = history.customers, history.non_customers
            latest.save(update_fields=["trained_at", "trained_by", "message", "customers", "non_customers"])
            return latest
        return _store(
            state=PredictiveState.NOT_ENOUGH_HISTORY,
            trained_at=now,
            trained_by=trained_by,
            message=message,
            **counts,
        )
    positives = _sample(list(history.converted_at), MAX_PER_CLASS)
    negatives = _sample(history.non_customer_ids, MAX_PER_CLASS)
    rows, labels = _labelled_rows(history, positives, negatives)
    rows, labels, left_out = settle_unknowns(rows, labels)
    x, y = matrix(rows, left_out), np.asarray(labels)
    base_rate = history.customers / (history.customers + history.non_customers)
    try:
        auc, train_size, holdout_size = holdout_auc(x, y, base_rate)
        fitted = fit(x, y, base_rate, left_out)  # the model in use learns from all of it
    except ValueError as error:
        logger.exception("Predictive training failed")
        return _store(
            state=PredictiveState.FAILED,
            trained_at=now,
            trained_by=trained_by,
            message=f"Training failed: {error}"[:500],
            **counts,
        )
    model = _store(
        state=PredictiveState.TRAINED,
        trained_at=now,
        trained_by=trained_by,
        train_size=train_size,
        holdout_size=holdout_size,
        auc=round(auc, 4),
        base_rate=base_rate,
        drivers=_drivers(fitted, x),
        left_out=list(left_out),
        message=_trained_message(len(labels), auc, holdout_size, left_out),
        library_version=sklearn.__version__,
        artifact=_serialise(fitted),
        **counts,
    )
    _LOADED.clear()
    _LOADED[model.public_id] = fitted
    # Old artifacts are dead weight once newer models exist; their rows stay as the history.
    stale = PredictiveModel.objects.filter(state=PredictiveState.TRAINED, artifact__isnull=False).order_by(
        "-version"
    )[KEEP_ARTIFACTS:]
    PredictiveModel.objects.filter(pk__in=[row.pk for row in stale.only("pk")]).update(artifact=None)
    if rescore:
        predictions_refresh(model=model, now=now)
    return model


# --- Predicting ---------------------------------------------------------------------------------


def current_model() -> PredictiveModel | None:
    """The newest trained model whose pipeline is stored (the one in use)."""
    return (
        PredictiveModel.objects.defer("artifact")
        .filter(state=PredictiveState.TRAINED, artifact__isnull=False)
        .order_by("-version")
        .first()
    )


def _with_artifact_flag(queryset: Any) -> Any:
    return queryset.annotate(has_artifact=Q(artifact__isnull=False))


def reasons_for(row: dict[str, Any], contributions: Any) -> list[dict[str, Any]]:
    """The largest contributions for and against, strongest first, in plain words."""
    ranked = sorted(range(len(FEATURES)), key=lambda j: -abs(float(contributions[j])))
    chosen_for = [j for j in ranked if contributions[j] >= MIN_REASON_WEIGHT][:REASONS_FOR]
    chosen_against = [j for j in ranked if contributions[j] <= -MIN_REASON_WEIGHT][:REASONS_AGAINST]
    chosen = sorted(chosen_for + chosen_against, key=lambda j: -abs(float(contributions[j])))
    return [
        {
            "feature": FEATURES[j],
            "text": describe(FEATURES[j], row[FEATURES[j]]),
            "sign": "+" if contributions[j] > 0 else "-",
            "weight": round(float(contributions[j]), 3),
        }
        for j in chosen
    ]


def predict_rows(fitted: Fitted, rows: Sequence[dict[str, Any]]) -> list[tuple[float, list[dict[str, Any]]]]:
    import numpy as np

    if not rows:
        return []
    logits, contributions = fitted.contributions(matrix(rows, fitted.left_out))
    probabilities = 1 / (1 + np.exp(-logits))
    return [(float(probabilities[i]), reasons_for(rows[i], contributions[i])) for i in range(len(rows))]


def open_contacts() -> Any:
    """Contacts a prediction is useful for: everyone who has not bought yet."""
    return Contact.objects.exclude(lifecycle_stage__in=CUSTOMER_STAGES)


def _score_batch(model: PredictiveModel, fitted: Fitted, ids: Sequence[int], now: datetime) -> int:
    contacts = list(open_contacts().filter(pk__in=ids).select_related("company").order_by("pk"))
    results = predict_rows(fitted, feature_rows(contacts))
    ContactPrediction.objects.bulk_create(
        [
            ContactPrediction(
                contact=contact, model=model, probability=probability, reasons=reasons, computed_at=now
            )
            for contact, (probability, reasons) in zip(contacts, results, strict=True)
        ],
        update_conflicts=True,
        unique_fields=["contact"],
        update_fields=["model", "probability", "reasons", "computed_at"],
    )
    return len(contacts)


def predictions_refresh(
    *,
    contact_ids: Iterable[int] | None = None,
    model: PredictiveModel | None = None,
    now: datetime | None = None,
) -> int:
    """Score the given open contacts (all of them when None) with the model in use. Returns how many."""
    model = model or current_model()
    fitted = model_load(model) if model else None
    if model is None or fitted is None:
        return 0
    now = now or timezone.now()
    if contact_ids is None:
        ContactPrediction.objects.filter(contact__lifecycle_stage__in=CUSTOMER_STAGES).delete()
        ids = list(open_contacts().order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(contact_ids))
    scored = 0
    for start in range(0, len(ids), BATCH_SIZE):
        scored += _score_batch(model, fitted, ids[start : start + BATCH_SIZE], now)
    return scored


def predictions_update_stale(*, now: datetime | None = None) -> int:
    """The daily pass: score new contacts and those whose data changed since their last prediction."""
    model = current_model()
    if model is None:
        return 0
    computed = F("prediction__computed_at")
    stale = open_contacts().filter(
        Q(prediction__isnull=True)
        | ~Q(prediction__model=model)
        | Q(last_activity_at__gt=computed)
        | Q(updated_at__gt=computed)
        | Q(score_detail__computed_at__gt=computed)
    )
    return predictions_refresh(contact_ids=stale.values_list("pk", flat=True), model=model, now=now)


# --- Reading ------------------------------------------------------------------------------------


@dataclass
class ModelStatus:
    """Where the predictive score stands, in words a marketer can act on."""

    state: str  # trained, not_enough_history, failed or never_trained
    message: str
    model: PredictiveModel | None = None  # the model in use
    latest: PredictiveModel | None = None  # the latest training run
    customers: int = 0
    non_customers: int = 0
    need_customers: int = MIN_CUSTOMERS
    need_non_customers: int = MIN_NON_CUSTOMERS
    warnings: list[str] = field(default_factory=list)


def predictive_status(*, count_history: bool = False) -> ModelStatus:
    """The model in use and the latest run. With `count_history`, a workspace that never trained
    is told how much history it has now (costs a scan of the contacts)."""
    latest = _with_artifact_flag(PredictiveModel.objects.defer("artifact")).order_by("-version").first()
    in_use = latest is not None and latest.state == PredictiveState.TRAINED and latest.has_artifact
    model = latest if in_use else current_model()
    if latest is None:
        status = ModelStatus(
            state="never_trained",
            message="No predictive model yet: it trains weekly from the contacts who became customers.",
        )
        if count_history:
            history = history_load()
            status.customers, status.non_customers = history.customers, history.non_customers
            if history.customers < MIN_CUSTOMERS or history.non_customers < MIN_NON_CUSTOMERS:
                status.state = "not_enough_history"
                status.message = not_enough_message(history.customers, history.non_customers)
        return status
    status = ModelStatus(
        state=latest.state,
        message=latest.message,
        model=model,
        latest=latest,
        customers=latest.customers,
        non_customers=latest.non_customers,
    )
    if model is not None and latest.pk != model.pk:
        status.state = PredictiveState.TRAINED
        status.message = model.message
        status.warnings.append(
            f"The latest retraining did not finish: {latest.message} Still using v{model.version}."
        )
    return status


@dataclass
class ContactPredictionView:
    state: str  # predicted, customer, not_scored, no_model
    message: str = ""
    probability: float | None = None
    lift: float | None = None
    reasons: list[dict[str, Any]] = field(default_factory=list)
    model_version: int | None = None
    computed_at: datetime | None = None

    @property
    def percent(self) -> str:
        if self.probability is None:
            return ""
        value = self.probability * 100
        if value < 1:
            return "<1%"
        if value > 99:
            return ">99%"
        return f"{value:.0f}%"


def contact_prediction_view(contact: Contact, prediction: ContactPrediction | None) -> ContactPredictionView:
    """What to say about one contact's predicted score (prediction with its model loaded)."""
    if contact.lifecycle_stage in CUSTOMER_STAGES:
        return ContactPredictionView(state="customer", message="Already a customer.")
    if prediction is not None:
        model = prediction.model
        base_rate = model.base_rate or 0
        return ContactPredictionView(
            state="predicted",
            probability=prediction.probability,
            lift=round(prediction.probability / base_rate, 1) if base_rate else None,
            reasons=list(prediction.reasons or []),
            model_version=model.version,
            computed_at=prediction.computed_at,
        )
    status = predictive_status()
    if status.model is None:
        return ContactPredictionView(state="no_model", message=status.message)
    return ContactPredictionView(state="not_scored", message="Not scored yet: new contacts are scored daily.")

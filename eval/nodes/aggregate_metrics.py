from promptflow.core import log_metric, tool

from eval.aggregate import aggregate, first


@tool
def aggregate_metrics(
    groundedness: list,
    relevance: list,
    coherence: list,
    fluency: list,
    similarity: list,
    f1_score: list,
    embedding_similarity: list,
    threshold: list,
) -> dict:
    """Log each metric's mean, its pass rate and the unscored count as run metrics (`pf run show-metrics`)."""
    scores = {
        "groundedness": groundedness,
        "relevance": relevance,
        "coherence": coherence,
        "fluency": fluency,
        "similarity": similarity,
    }
    references = {"f1_score": f1_score, "embedding_similarity": embedding_similarity}
    metrics = aggregate(scores, references, float(first(threshold, 3)))
    for name, value in metrics.items():
        log_metric(key=name, value=value)
    return metrics

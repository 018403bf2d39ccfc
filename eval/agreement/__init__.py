"""How far the judges agree with people: human-labelled data sets (../shared/evalbench), a runner, rank
correlations with their intervals, and the calibration of the local judge's groundedness cut points.

    python -m eval.agreement ...            # the agreement table (see eval/agreement/cli.py)
    python -m eval.agreement.calibrate      # re-derive the groundedness 1-5 cut points
    sh eval/agreement/llm_agreement.sh      # the LLM judge, one data set at a time
"""

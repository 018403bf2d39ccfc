"""How far the judges agree with people: human-labelled data sets (../shared/evalbench), a runner, rank
correlations with their intervals, and the calibration of the local judge's groundedness cut points.

    python -m eval.agreement ...            # the agreement table (see eval/agreement/cli.py)
    python -m eval.agreement.calibrate      # re-derive the groundedness 1-5 cut points
    sh eval/agreement/llm_agreement.sh      # the LLM judge, one data set at a time
"""

from core.pf_env import use_project_pf_home

# Before promptflow is imported (`python -m eval.agreement` imports this package first): the project's pf home and pf's
# offline settings where the environment does not set them, with or without make or activation (else pf reads
# ~/.promptflow and tries an Azure settings host).
use_project_pf_home()

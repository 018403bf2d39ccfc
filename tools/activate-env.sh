# studyflow-env: added by `make setup` so pf and the CLIs keep their state in the project and stay offline.
STUDYFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)"
. "$STUDYFLOW_ROOT/tools/pf-env.sh"
unset STUDYFLOW_ROOT

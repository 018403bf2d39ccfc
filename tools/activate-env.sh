
# studyflow-env: added by `make setup` so pf and the CLIs keep their state in the project and stay offline.
_studyflow_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/../.." && pwd)"
export PF_HOME_DIRECTORY="$_studyflow_root/.pf"
export XDG_DATA_HOME="$_studyflow_root/.pf/xdg"
export APPLICATIONINSIGHTS_CONTROLPLANE_DISABLED=true
export TELEMETRY_ENABLED=false
export PF_DISABLE_TRACING=true
export HF_HUB_OFFLINE=1
export TRANSFORMERS_OFFLINE=1
unset _studyflow_root

# Sourced with STUDYFLOW_ROOT set to the project root: exports tools/pf.env's settings into the shell.
case $- in *a*) _studyflow_allexport=1 ;; *) _studyflow_allexport= ;; esac
set -a
. "$STUDYFLOW_ROOT/tools/pf.env"
[ -n "$_studyflow_allexport" ] || set +a
unset _studyflow_allexport

#!/usr/bin/env bash
# The fclaude GitHub Action (action.yml): install fclaude, run `fclaude doctor`, report.
#
# Inputs come as INPUT_* variables (action.yml maps them; never interpolated into the script):
#   INPUT_VERSION     fclaude version to install with pipx (skipped when FCLAUDE_BIN is set)
#   INPUT_ENDPOINT, INPUT_DEPLOYMENT, INPUT_API, INPUT_PROJECT, INPUT_AUTH,
#   INPUT_TENANT_ID, INPUT_CLIENT_ID  -> FCLAUDE_ENDPOINT, ... AZURE_TENANT_ID, AZURE_CLIENT_ID
#                     (an empty input leaves the variable as the job set it)
#   INPUT_ARGS        more arguments for `fclaude doctor`, split on whitespace (no quoting)
# FCLAUDE_BIN: the fclaude command to run instead of installing one (tests, self-hosted runners).
#
# doctor runs with --format github: an ::error/::warning annotation per failed/warning check and a
# summary table in $GITHUB_STEP_SUMMARY. It writes a redacted support bundle to $RUNNER_TEMP; on
# failure its path is the step output `bundle` (action.yml uploads it as an artifact). The output
# `exit-code` is doctor's exit code, which is also this script's.
set -euo pipefail

export_input() { # NAME VALUE: export NAME=VALUE when VALUE is not empty
    if [ -n "$2" ]; then
        export "$1=$2"
    fi
}

if [ -n "${FCLAUDE_BIN:-}" ]; then
    read -r -a fclaude <<<"$FCLAUDE_BIN"
else
    version=${INPUT_VERSION:-}
    if [ -z "$version" ]; then
        echo "::error title=fclaude action::the version input is empty; pin a version (e.g. 0.1.0)"
        exit 2
    fi
    echo "::group::pipx install fclaude==$version"
    pipx install --force "fclaude==$version"
    echo "::endgroup::"
    fclaude=(fclaude)
fi

export_input FCLAUDE_ENDPOINT "${INPUT_ENDPOINT:-}"
export_input FCLAUDE_DEPLOYMENT "${INPUT_DEPLOYMENT:-}"
export_input FCLAUDE_API "${INPUT_API:-}"
export_input FCLAUDE_PROJECT "${INPUT_PROJECT:-}"
export_input FCLAUDE_AUTH "${INPUT_AUTH:-}"
export_input AZURE_TENANT_ID "${INPUT_TENANT_ID:-}"
export_input AZURE_CLIENT_ID "${INPUT_CLIENT_ID:-}"

read -r -a extra <<<"${INPUT_ARGS:-}"
folder=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
bundle="$folder/fclaude-doctor-bundle.json"

status=0
"${fclaude[@]}" doctor --format github --bundle "$bundle" ${extra[@]+"${extra[@]}"} || status=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
    echo "exit-code=$status" >>"$GITHUB_OUTPUT"
    if [ "$status" -ne 0 ] && [ -f "$bundle" ]; then
        echo "bundle=$bundle" >>"$GITHUB_OUTPUT"
    fi
fi
exit "$status"

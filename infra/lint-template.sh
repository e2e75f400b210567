#!/usr/bin/env bash
# Lints template.yaml (or the template given) with cfn-lint and checkov, the gate for
# every change to it. Expects the tools of infra/requirements.txt on PATH.
set -euo pipefail

infra=$(cd "$(dirname "$0")" && pwd)
template=${1:-$(cd "$infra/.." && pwd)/template.yaml}

# checkov accepts a skip without a reason; this project does not.
if unexplained=$(grep -nE 'checkov:skip=[A-Za-z0-9_,-]+ *(:[[:space:]]*)?$' "$template"); then
    echo "checkov skips without a reason in $template:" >&2
    echo "$unexplained" >&2
    exit 1
fi

echo "cfn-lint $template"
cfn-lint -- "$template"

# cfn-lint reads the SAM resources against SAM's schema only; the expanded template is
# what CloudFormation receives, so it is linted too. It is kept when it fails, since the
# line numbers in the findings are its own.
expanded=$(mktemp --suffix=.json)
python3 "$infra/sam_expand.py" "$template" "$expanded"
echo "cfn-lint $template, expanded by the SAM transform"
if ! cfn-lint -- "$expanded"; then
    echo "The expanded template is kept at $expanded" >&2
    exit 1
fi
rm -f "$expanded"

echo "checkov $template"
checkov -f "$template" --framework cloudformation --skip-download --compact --quiet

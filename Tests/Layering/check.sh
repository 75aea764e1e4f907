#!/bin/bash
# The SystemC model's folders form layers: a file may include from its own folder and from the
# layers below it, never from above:
#
#   common  <  kinds  <  array, memory, kv  <  control  <  trace  <  api
#
# (kv may use memory's DRAM channel.) The edges that still break the order are listed in KNOWN,
# each with what owns it; the check fails on any other, and on a KNOWN edge that has gone (so the
# list shrinks as they are fixed).
#
#   Tests/Layering/check.sh [RTLModels/src]
set -euo pipefail
src=${1:-"$(dirname "$0")/../../RTLModels/src"}

rank() {
    case $1 in
        common) echo 0 ;; kinds) echo 1 ;; array|memory|kv) echo 2 ;; control) echo 3 ;; trace) echo 4 ;; api) echo 5 ;;
        *) echo "layering: unknown folder $1 (add it to a layer in $0)" >&2; exit 1 ;;
    esac
}

# Known breaks, "from -> to": the Accelerator is still defined across folders (kinds/vq_decoder.cpp,
# trace/accelerator_trace.cpp).
KNOWN=("control -> trace" "kinds -> control")

edges=$(cd "$src" && for file in */*.cpp */*.hpp; do
    from=${file%%/*}
    { grep -o '#include "[a-z_]*/' "$file" || true; } | sed 's/#include "//; s/\///' | while read -r to; do
        [ "$to" != "$from" ] && echo "$from -> $to"
    done
done | sort -u)

bad=0
while read -r from _ to; do
    [ -z "$from" ] && continue
    edge="$from -> $to"
    if [ "$(rank "$to")" -lt "$(rank "$from")" ] || [ "$edge" = "kv -> memory" ]; then continue; fi
    if printf '%s\n' "${KNOWN[@]}" | grep -qx "$edge"; then continue; fi
    echo "layering: $edge breaks the order (common < kinds < array, memory, kv < control < trace < api)" >&2
    (cd "$src" && grep -ln "#include \"$to/" "$from"/* | sed 's/^/  in /') >&2
    bad=1
done <<< "$edges"
for edge in "${KNOWN[@]}"; do
    if ! grep -qx "$edge" <<< "$edges"; then
        echo "layering: $edge is gone; remove it from KNOWN in $0" >&2
        bad=1
    fi
done
if [ $bad -ne 0 ]; then exit 1; fi
echo "layering: $(wc -l <<< "$edges") folder edges, ${#KNOWN[@]} known breaks left (${KNOWN[*]})"

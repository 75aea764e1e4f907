#!/bin/bash
# The SystemC model's folders form layers: a file may include from its own folder and from the
# layers below it, never from above:
#
#   common  <  kinds  <  array, memory, kv, trace  <  control  <  api
#
# (kv may use memory's DRAM channel.) Edges that break the order would be listed in KNOWN, each
# with what owns it; the check fails on any other, and on a KNOWN edge that has gone (so the list
# only shrinks). It is empty: the folders form a DAG.
#
#   Tests/Layering/check.sh [RTLModels/src]
set -euo pipefail
src=${1:-"$(dirname "$0")/../../RTLModels/src"}

rank() {
    case $1 in
        common) echo 0 ;; kinds) echo 1 ;; array|memory|kv|trace) echo 2 ;; control) echo 3 ;; api) echo 4 ;;
        *) echo "layering: unknown folder $1 (add it to a layer in $0)" >&2; exit 1 ;;
    esac
}

KNOWN=()

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
    if [ ${#KNOWN[@]} -gt 0 ] && printf '%s\n' "${KNOWN[@]}" | grep -qx "$edge"; then continue; fi
    echo "layering: $edge breaks the order (common < kinds < array, memory, kv, trace < control < api)" >&2
    (cd "$src" && grep -ln "#include \"$to/" "$from"/* | sed 's/^/  in /') >&2
    bad=1
done <<< "$edges"
for edge in ${KNOWN[@]+"${KNOWN[@]}"}; do
    if ! grep -qx "$edge" <<< "$edges"; then
        echo "layering: $edge is gone; remove it from KNOWN in $0" >&2
        bad=1
    fi
done
if [ $bad -ne 0 ]; then exit 1; fi
echo "layering: $(wc -l <<< "$edges") folder edges, ${#KNOWN[@]} known breaks"

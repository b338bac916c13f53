#!/usr/bin/env bash
# Re-extract translatable strings and refresh the English catalogue.
#
# Source strings are Norwegian bokmål (the default locale, "nb", needs no
# catalogue); English is kept in fund/translations/en/LC_MESSAGES/messages.po.
#
# Usage:
#   scripts/update-translations.sh
#
# Steps:
#   1. extract    templates + Python  -> fund/translations/messages.pot
#   2. update     messages.pot        -> en/LC_MESSAGES/messages.po
#                 (or init it the first time)
#   3. compile    *.po                -> *.mo  (git-ignored; `make translations`
#                                               compiles them too)
#
# Commit messages.pot and messages.po; never the .mo files. New or changed
# strings come out untranslated (never fuzzy-matched): translate them in
# messages.po and run the script again.
#
# The catalogues carry no source locations and are sorted by msgid, so diffs
# show only real text changes. A developer comment placed directly above a
# string and starting with "TRANSLATORS:" is copied into the catalogues.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYBABEL="$ROOT/.venv/bin/pybabel"
if [[ ! -x "$PYBABEL" ]]; then
    echo "error: $PYBABEL not found; run 'make install' first" >&2
    exit 1
fi

DIR=fund/translations
POT="$DIR/messages.pot"
LOCALE=en
PO="$DIR/$LOCALE/LC_MESSAGES/messages.po"

mkdir -p "$DIR"

# 1. Extract. Default keywords (_, gettext, ngettext, pgettext, ...) plus the
#    lazy variants used in forms and models (`lazy_gettext as _l`).
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
"$PYBABEL" --quiet extract \
    -F babel.cfg \
    -k _l -k lazy_gettext \
    -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2 \
    --add-comments=TRANSLATORS: \
    --no-location \
    --sort-output \
    --project=fund \
    --charset=utf-8 \
    -o "$tmp" .

# Keep the old template when only its POT-Creation-Date would change.
strip_date() { grep -v '^"POT-Creation-Date: ' "$1"; }
if [[ -f "$POT" ]] && cmp -s <(strip_date "$POT") <(strip_date "$tmp"); then
    echo "$POT: unchanged"
else
    cp "$tmp" "$POT"
    echo "$POT: updated"
fi

# 2. Merge into the English catalogue (or create it).
if [[ -f "$PO" ]]; then
    "$PYBABEL" --quiet update \
        -i "$POT" -d "$DIR" -l "$LOCALE" \
        --no-fuzzy-matching \
        --ignore-obsolete \
        --ignore-pot-creation-date
else
    "$PYBABEL" --quiet init -i "$POT" -d "$DIR" -l "$LOCALE"
fi

# 3. Compile (fuzzy entries are skipped) and report progress.
"$PYBABEL" compile -d "$DIR" --statistics

#!/usr/bin/env bash
# Vendor Digdir Designsystemet CSS (https://designsystemet.no) into
# fund/static/vendor/designsystemet/.
#
# Usage:
#   scripts/vendor-designsystemet.sh
#   DS_CSS_VERSION=1.22.0 DS_THEME_VERSION=1.11.0 scripts/vendor-designsystemet.sh
#
# Requires npm (only talks to the npm registry via `npm pack`).
#
# Output files (README.md in the same folder is hand-written and never touched):
#   designsystemet.css            @digdir/designsystemet-css  dist/src/index.css (all components, bundled)
#   theme-designsystemet.css      @digdir/designsystemet-css  dist/theme/designsystemet.css
#                                 (default theme shipped with the CSS package; RECOMMENDED, same version)
#   theme-digdir.css              @digdir/designsystemet-theme brand/digdir.css
#                                 (package is marked deprecated in its README; optional alternative)
#   LICENSE-designsystemet-css    LICENSE from @digdir/designsystemet-css
#   LICENSE-designsystemet-theme  LICENSE from @digdir/designsystemet-theme
#   VERSIONS.txt                  package names, versions, integrity hashes, local modifications
#
# Local modifications applied to the copies (recorded in VERSIONS.txt):
#   * any @import of a remote URL (http:, https:, protocol-relative) is removed, because the app's
#     Content-Security-Policy is `default-src 'self'`;
#   * a system font stack is appended to every `--ds-font-family` value (the theme names "Inter" /
#     "IBM Plex Mono" but ships no @font-face; the fonts are not vendored, so the browser falls
#     back to system fonts).
set -euo pipefail

DS_CSS_VERSION="${DS_CSS_VERSION:-1.22.0}"
DS_THEME_VERSION="${DS_THEME_VERSION:-1.11.0}"

CSS_PKG="@digdir/designsystemet-css"
THEME_PKG="@digdir/designsystemet-theme"
THEME_BRAND="digdir"

SANS_FALLBACK='system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
MONO_FALLBACK='ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace'

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd -- "$SCRIPT_DIR/.." && pwd)"
DEST="$REPO_ROOT/fund/static/vendor/designsystemet"

die() { echo "vendor-designsystemet: $*" >&2; exit 1; }

command -v npm >/dev/null 2>&1 || die "npm is required"
command -v node >/dev/null 2>&1 || die "node is required"
[[ -f "$REPO_ROOT/pyproject.toml" && -d "$REPO_ROOT/fund" ]] \
    || die "unexpected repo layout: $REPO_ROOT (expected pyproject.toml and fund/)"

TMP="$(mktemp -d)"
trap 'rm -rf -- "$TMP"' EXIT

# fetch <pkg> <version> <workdir-name>
# Downloads the tarball with `npm pack`, extracts it to $TMP/<name>/package and
# writes "<name> <version> <integrity>" to $TMP/<name>/meta.
fetch() {
    local pkg="$1" version="$2" name="$3" dir="$TMP/$3"
    mkdir -p "$dir"
    echo "Fetching $pkg@$version ..." >&2
    (cd "$dir" && npm pack --json --silent "$pkg@$version" >pack.json) \
        || die "npm pack $pkg@$version failed"
    node -e '
        const [info] = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        console.log([info.filename, info.name, info.version, info.integrity].join("\t"));
    ' "$dir/pack.json" >"$dir/meta"
    local tarball
    tarball="$(cut -f1 "$dir/meta")"
    tar -xzf "$dir/$tarball" -C "$dir"
    local got
    got="$(node -p 'require(process.argv[1]).version' "$dir/package/package.json")"
    [[ "$got" == "$version" ]] || die "$pkg: asked for $version, tarball contains $got"
}

# resolve_export <package-dir> <export-key>  -> prints the file path the export maps to
resolve_export() {
    node -e '
        const pj = require(process.argv[1] + "/package.json");
        let e = (pj.exports || {})[process.argv[2]];
        if (e && typeof e === "object") e = e.default;
        if (!e) process.exit(1);
        console.log(e.replace(/^\.\//, ""));
    ' "$1" "$2" || die "export \"$2\" not found in $1/package.json"
}

# sanitize <src> <dst>: copy a CSS file, stripping remote @imports and adding font fallbacks
sanitize() {
    local src="$1" dst="$2"
    [[ -f "$src" ]] || die "missing file in tarball: $src"
    if grep -qiE '@import[[:space:]]+(url\()?[[:space:]]*["'"'"']?(https?:)?//' "$src"; then
        echo "  NOTE: removing remote @import(s) from $(basename "$dst"):" >&2
        grep -oiE '@import[[:space:]]+(url\()?[[:space:]]*["'"'"']?(https?:)?//[^;]*;' "$src" \
            | sed "s|^|      $(basename "$dst"): |" | tee -a "$TMP/removed-imports" >&2
    fi
    sed -E \
        -e 's#@import[[:space:]]+(url\()?[[:space:]]*["'"'"']?([hH][tT][tT][pP][sS]?:)?//[^;]*;##g' \
        -e "s#(--ds-font-family:[[:space:]]*)([^;},]*Mono[^;},]*)([;}])#\\1\\2, ${MONO_FALLBACK}\\3#g" \
        -e "s#(--ds-font-family:[[:space:]]*)([^;},]+)([;}])#\\1\\2, ${SANS_FALLBACK}\\3#g" \
        "$src" >"$dst"
}

# check_no_remote <file>: fail if the CSS still references anything outside 'self'
check_no_remote() {
    local f="$1" bad
    # every url(...) must be a data: URI or a fragment
    bad="$(grep -oE 'url\([[:space:]]*["'"'"']?[^"'"'"')[:space:]]{0,12}' "$f" \
            | grep -vE 'url\([[:space:]]*["'"'"']?(data:|#)' || true)"
    [[ -z "$bad" ]] || die "$(basename "$f") still references external resources: $bad"
    if grep -q '@import' "$f"; then
        die "$(basename "$f") still contains @import"
    fi
    if grep -q '@font-face' "$f"; then
        echo "  NOTE: $(basename "$f") contains @font-face (check src: urls)" >&2
    fi
}

fetch "$CSS_PKG" "$DS_CSS_VERSION" css
fetch "$THEME_PKG" "$DS_THEME_VERSION" theme

CSS_DIR="$TMP/css/package"
THEME_DIR="$TMP/theme/package"
CSS_MAIN="$(resolve_export "$CSS_DIR" ".")"            # dist/src/index.css
CSS_THEME="$(resolve_export "$CSS_DIR" "./theme")"     # dist/theme/designsystemet.css
THEME_FILE="brand/${THEME_BRAND}.css"                  # exports "./*" -> ./brand/*

OUT="$TMP/out"
mkdir -p "$OUT"
sanitize "$CSS_DIR/$CSS_MAIN" "$OUT/designsystemet.css"
sanitize "$CSS_DIR/$CSS_THEME" "$OUT/theme-designsystemet.css"
sanitize "$THEME_DIR/$THEME_FILE" "$OUT/theme-digdir.css"
[[ -f "$CSS_DIR/LICENSE" ]] || die "$CSS_PKG has no LICENSE file"
[[ -f "$THEME_DIR/LICENSE" ]] || die "$THEME_PKG has no LICENSE file"
cp "$CSS_DIR/LICENSE" "$OUT/LICENSE-designsystemet-css"
cp "$THEME_DIR/LICENSE" "$OUT/LICENSE-designsystemet-theme"

for f in designsystemet.css theme-designsystemet.css theme-digdir.css; do
    check_no_remote "$OUT/$f"
done

IFS=$'\t' read -r _ css_name css_version css_integrity <"$TMP/css/meta"
IFS=$'\t' read -r _ theme_name theme_version theme_integrity <"$TMP/theme/meta"
css_license="$(node -p 'require(process.argv[1]).license' "$CSS_DIR/package.json")"
theme_license="$(node -p 'require(process.argv[1]).license' "$THEME_DIR/package.json")"

{
    echo "# Generated by scripts/vendor-designsystemet.sh -- do not edit by hand."
    echo "# Vendored $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "$css_name $css_version ($css_license)"
    echo "  integrity: $css_integrity"
    echo "  designsystemet.css        <- package/$CSS_MAIN"
    echo "  theme-designsystemet.css  <- package/$CSS_THEME"
    echo "  LICENSE-designsystemet-css <- package/LICENSE"
    echo
    echo "$theme_name $theme_version ($theme_license)"
    echo "  integrity: $theme_integrity"
    echo "  theme-digdir.css          <- package/$THEME_FILE"
    echo "  LICENSE-designsystemet-theme <- package/LICENSE"
    echo
    echo "Local modifications:"
    if [[ -s "$TMP/removed-imports" ]]; then
        echo "  - remote @import rules removed (blocked by CSP default-src 'self'):"
        cat "$TMP/removed-imports"
    else
        echo "  - remote @import rules removed: none found"
    fi
    echo "  - system font fallbacks appended to --ds-font-family values:"
    grep -ohE -- '--ds-font-family:[^;}]*' "$OUT"/theme-*.css | sort -u | sed 's/^/      /'
} >"$OUT/VERSIONS.txt"

mkdir -p "$DEST"
for f in designsystemet.css theme-designsystemet.css theme-digdir.css \
         LICENSE-designsystemet-css LICENSE-designsystemet-theme VERSIONS.txt; do
    install -m 0644 "$OUT/$f" "$DEST/$f"
done

echo "Vendored into ${DEST#"$REPO_ROOT"/}:" >&2
(cd "$DEST" && ls -l designsystemet.css theme-designsystemet.css theme-digdir.css \
    LICENSE-designsystemet-css LICENSE-designsystemet-theme VERSIONS.txt) >&2
